using System.Globalization;

namespace VideoMtl.Inference.Threading;

/// <summary>
/// The CPUs this process may use: the scheduler affinity (<c>Cpus_allowed_list</c> in
/// <c>/proc/self/status</c>, as <c>taskset</c> sets it) and a container's CPU quota (cgroup v2
/// <c>cpu.max</c>, cgroup v1 <c>cpu.cfs_quota_us</c> / <c>cpu.cfs_period_us</c>), the same two limits
/// .NET's <see cref="Environment.ProcessorCount"/> follows. Read from files rather than asked of the kernel so
/// that a test can hand in a fake tree; it is also what <c>doctor</c> shows, limit by limit.
/// </summary>
public sealed record CpuBudget
{
    /// <summary>CPUs in the affinity mask, or null when <c>/proc/self/status</c> could not be read.</summary>
    public int? AffinityCpus { get; init; }

    /// <summary>The affinity as the kernel writes it, e.g. <c>0-1</c>.</summary>
    public string? AffinityList { get; init; }

    /// <summary>The quota in CPUs (quota / period, may be fractional), or null when there is none.</summary>
    public double? QuotaCpus { get; init; }

    /// <summary>The file the quota was read from, for the report.</summary>
    public string? QuotaSource { get; init; }

    /// <summary>What .NET counts for this process (affinity and quota applied, rounded up).</summary>
    public int RuntimeProcessorCount { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// CPUs available to this process: the smaller of the affinity and the quota rounded up (a quota of 1.5
    /// CPUs lets two threads run, each part of the time, as .NET also counts it), at least 1.
    /// </summary>
    public int Available
    {
        get
        {
            int cpus = AffinityCpus ?? RuntimeProcessorCount;
            if (QuotaCpus is { } quota)
            {
                cpus = Math.Min(cpus, (int)Math.Ceiling(quota));
            }

            return Math.Max(1, cpus);
        }
    }

    /// <summary>One line for logs and <c>doctor</c>: each limit and what it leaves.</summary>
    public string Describe()
    {
        string affinity = AffinityCpus is { } a ? $"affinity {AffinityList} = {a} CPU{(a == 1 ? "" : "s")}" : "affinity unknown";
        string quota = QuotaCpus is { } q ? string.Create(CultureInfo.InvariantCulture, $"CPU quota {q:0.##} CPUs from {QuotaSource}") : "no CPU quota";
        return $"{Available} CPU{(Available == 1 ? "" : "s")} available: {affinity}, {quota}, .NET counts {RuntimeProcessorCount}";
    }

    /// <summary>Reads this process's limits.</summary>
    /// <param name="procSelf">The <c>/proc/self</c> folder (a fake one in tests).</param>
    /// <param name="cgroupRoot">Where the cgroup file systems are mounted (<c>/sys/fs/cgroup</c>).</param>
    public static CpuBudget Detect(string procSelf = "/proc/self", string cgroupRoot = "/sys/fs/cgroup")
    {
        var (count, list) = ReadAffinity(Path.Combine(procSelf, "status"));
        var (quota, source) = ReadQuota(Path.Combine(procSelf, "cgroup"), cgroupRoot);
        return new CpuBudget { AffinityCpus = count, AffinityList = list, QuotaCpus = quota, QuotaSource = source };
    }

    private static (int? Count, string? List) ReadAffinity(string statusFile)
    {
        string? line = ReadLines(statusFile).FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        if (line is null)
        {
            return (null, null);
        }

        string list = line["Cpus_allowed_list:".Length..].Trim();
        return (CountCpuList(list), list);
    }

    /// <summary>Counts the CPUs of a kernel CPU list such as <c>0-3,8,10-11</c> (null when it is malformed).</summary>
    public static int? CountCpuList(string list)
    {
        int count = 0;
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] range = part.Split('-');
            if (!int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first))
            {
                return null;
            }

            int last = first;
            if (range.Length > 2 || (range.Length == 2 && (!int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first)))
            {
                return null;
            }

            count += last - first + 1;
        }

        return count == 0 ? null : count;
    }

    /// <summary>
    /// The tightest quota on the path from this process's cgroup up to the root of its mount. A container sees
    /// its own cgroup as the root of the mount while <c>/proc/self/cgroup</c> may still name the host's path,
    /// so missing folders on the way are skipped rather than taken as "no quota".
    /// </summary>
    private static (double? Cpus, string? Source) ReadQuota(string cgroupFile, string cgroupRoot)
    {
        double? best = null;
        string? source = null;
        foreach (string line in ReadLines(cgroupFile))
        {
            // hierarchy-id:controller-list:path
            string[] fields = line.Split(':', 3);
            if (fields.Length != 3)
            {
                continue;
            }

            string path = fields[2].Trim('/');
            if (fields[0] == "0" && fields[1].Length == 0)
            {
                foreach (string mount in new[] { cgroupRoot, Path.Combine(cgroupRoot, "unified") })
                {
                    Consider(mount, path, dir => ReadCpuMax(Path.Combine(dir, "cpu.max")), "cpu.max");
                }
            }
            else if (fields[1].Split(',').Contains("cpu"))
            {
                Consider(Path.Combine(cgroupRoot, fields[1]), path, ReadCfsQuota, "cpu.cfs_quota_us");
            }
        }

        return (best, source);

        void Consider(string mount, string path, Func<string, double?> read, string file)
        {
            // From the process's own folder up to the mount's root: a parent's quota limits its children too.
            for (string? relative = path; relative is not null; relative = Parent(relative))
            {
                string dir = relative.Length == 0 ? mount : Path.Combine(mount, relative);
                if (Directory.Exists(dir) && read(dir) is { } cpus && (best is null || cpus < best))
                {
                    best = cpus;
                    source = Path.Combine(dir, file);
                }
            }
        }
    }

    private static string? Parent(string relative) =>
        relative.Length == 0 ? null : relative.LastIndexOf('/') is var slash and >= 0 ? relative[..slash] : string.Empty;

    private static double? ReadCpuMax(string file)
    {
        // "max 100000" (no limit) or "QUOTA PERIOD" in microseconds
        string[] parts = (ReadLines(file).FirstOrDefault() ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 ? Ratio(parts[0], parts[1]) : null;
    }

    private static double? ReadCfsQuota(string dir) =>
        Ratio(ReadLines(Path.Combine(dir, "cpu.cfs_quota_us")).FirstOrDefault(), ReadLines(Path.Combine(dir, "cpu.cfs_period_us")).FirstOrDefault());

    private static double? Ratio(string? quota, string? period) =>
        long.TryParse(quota, NumberStyles.Integer, CultureInfo.InvariantCulture, out long q) && q > 0
        && long.TryParse(period, NumberStyles.Integer, CultureInfo.InvariantCulture, out long p) && p > 0
            ? q / (double)p
            : null; // -1 (v1) or "max" (v2): no quota

    private static string[] ReadLines(string file)
    {
        try
        {
            return File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
