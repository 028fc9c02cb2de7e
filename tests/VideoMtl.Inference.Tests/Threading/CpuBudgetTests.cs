using VideoMtl.Inference.Threading;
using VideoMtl.TestSupport;

namespace VideoMtl.Inference.Tests.Threading;

/// <summary>The CPU limits read from a fake /proc/self and cgroup tree, and from the real ones.</summary>
public sealed class CpuBudgetTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    private string ProcSelf => Path.Combine(_root.Path, "proc-self");

    private string Cgroup => Path.Combine(_root.Path, "cgroup");

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("0-1", 2)]
    [InlineData("0", 1)]
    [InlineData("0-3,8,10-11", 7)]
    [InlineData(" 4-7 ", 4)]
    [InlineData("", null)]
    [InlineData("3-1", null)]
    [InlineData("x", null)]
    public void Counts_kernel_cpu_lists(string list, int? count) => Assert.Equal(count, CpuBudget.CountCpuList(list));

    [Fact]
    public void Affinity_alone_decides_without_a_quota()
    {
        Fake(affinity: "0-5", cgroupLines: ["0::/"]);
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Cgroup).FullName, "cpu.max"), "max 100000\n");
        var budget = CpuBudget.Detect(ProcSelf, Cgroup);
        Assert.Equal(6, budget.AffinityCpus);
        Assert.Null(budget.QuotaCpus);
        Assert.Equal(6, budget.Available);
    }

    [Theory]
    [InlineData("200000 100000", 2)]
    [InlineData("150000 100000", 2)] // 1.5 CPUs: two threads may run, each part of the time (.NET rounds up too)
    [InlineData("50000 100000", 1)]
    [InlineData("1000 100000", 1)]
    public void A_cgroup_v2_quota_gives_the_quotas_count(string cpuMax, int expected)
    {
        Fake(affinity: "0-7", cgroupLines: ["0::/docker/abc"]);
        WriteCgroupFile("docker/abc", "cpu.max", cpuMax);
        var budget = CpuBudget.Detect(ProcSelf, Cgroup);
        Assert.Equal(expected, budget.Available);
        Assert.EndsWith(Path.Combine("docker", "abc", "cpu.max"), budget.QuotaSource, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parents_tighter_quota_wins_and_a_missing_leaf_folder_is_skipped()
    {
        // In a container /proc/self/cgroup may name the host's path, which does not exist inside.
        Fake(affinity: "0-7", cgroupLines: ["0::/kubepods/pod1/ctr"]);
        WriteCgroupFile("kubepods", "cpu.max", "300000 100000");
        WriteCgroupFile(string.Empty, "cpu.max", "max 100000");
        Assert.Equal(3, CpuBudget.Detect(ProcSelf, Cgroup).Available);
    }

    [Fact]
    public void A_cgroup_v1_cfs_quota_gives_the_quotas_count()
    {
        Fake(affinity: "0-15", cgroupLines: ["4:memory:/x", "2:cpu,cpuacct:/job", "0::/"]);
        WriteCgroupFile("cpu,cpuacct/job", "cpu.cfs_quota_us", "400000");
        WriteCgroupFile("cpu,cpuacct/job", "cpu.cfs_period_us", "100000");
        var budget = CpuBudget.Detect(ProcSelf, Cgroup);
        Assert.Equal(4.0, budget.QuotaCpus);
        Assert.Equal(4, budget.Available);
    }

    [Fact]
    public void An_unlimited_v1_quota_is_no_quota()
    {
        Fake(affinity: "0-2", cgroupLines: ["1:cpu:/"]);
        WriteCgroupFile("cpu", "cpu.cfs_quota_us", "-1");
        WriteCgroupFile("cpu", "cpu.cfs_period_us", "100000");
        Assert.Equal(3, CpuBudget.Detect(ProcSelf, Cgroup).Available);
    }

    [Fact]
    public void A_quota_above_the_affinity_leaves_the_affinity()
    {
        Fake(affinity: "0", cgroupLines: ["0::/"]);
        WriteCgroupFile(string.Empty, "cpu.max", "800000 100000");
        Assert.Equal(1, CpuBudget.Detect(ProcSelf, Cgroup).Available);
    }

    [Fact]
    public void Without_readable_files_dotnets_count_is_used()
    {
        var budget = CpuBudget.Detect(Path.Combine(_root.Path, "none"), Path.Combine(_root.Path, "none"));
        Assert.Null(budget.AffinityCpus);
        Assert.Equal(Environment.ProcessorCount, budget.Available);
    }

    [Fact]
    public void The_real_limits_agree_with_dotnet()
    {
        // .NET applies the same two limits; a disagreement means one of them is read wrongly.
        var budget = CpuBudget.Detect();
        Assert.NotNull(budget.AffinityCpus);
        Assert.Equal(Environment.ProcessorCount, budget.Available);
        Assert.Contains(".NET counts", budget.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_thread_choice_is_one_per_available_cpu()
    {
        var budget = new CpuBudget { AffinityCpus = 2, AffinityList = "0-1", QuotaCpus = null };
        var choice = IntraOpThreadChoice.Resolve(0, budget);
        Assert.Equal(2, choice.Threads);
        Assert.Null(choice.Warning);
        Assert.StartsWith("one per CPU available", choice.Reason, StringComparison.Ordinal);
        Assert.Equal(1, IntraOpThreadChoice.Resolve(0, budget with { QuotaCpus = 0.5 }).Threads);
    }

    [Fact]
    public void An_explicit_count_wins_and_is_warned_about_only_above_the_cpus()
    {
        var budget = new CpuBudget { AffinityCpus = 2, AffinityList = "0-1" };
        Assert.Equal((1, (string?)null), (IntraOpThreadChoice.Resolve(1, budget).Threads, IntraOpThreadChoice.Resolve(1, budget).Warning));
        var over = IntraOpThreadChoice.Resolve(8, budget);
        Assert.Equal(8, over.Threads);
        Assert.Contains("--threads 8 exceeds the 2 CPUs", over.Warning, StringComparison.Ordinal);
        Assert.Contains("use --threads 2", over.Warning, StringComparison.Ordinal);
    }

    private void Fake(string affinity, string[] cgroupLines)
    {
        Directory.CreateDirectory(ProcSelf);
        File.WriteAllText(Path.Combine(ProcSelf, "status"), $"Name:\tdotnet\nCpus_allowed:\tff\nCpus_allowed_list:\t{affinity}\nMems_allowed:\t1\n");
        File.WriteAllLines(Path.Combine(ProcSelf, "cgroup"), cgroupLines);
    }

    private void WriteCgroupFile(string relativeDir, string name, string text)
    {
        string dir = Path.Combine(Cgroup, relativeDir);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name), text + "\n");
    }
}
