using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoMtl.Cli.Soak;

/// <summary>The soak report as text (per-stream totals and the verdicts) and as JSON (every sample).</summary>
internal static class SoakReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string ToJson(SoakReport report) => JsonSerializer.Serialize(new
    {
        setup = new
        {
            streams = report.Totals.Count,
            duration_seconds = report.Options.Duration.TotalSeconds,
            interval_seconds = report.Options.Interval.TotalSeconds,
            video = Path.GetFileName(report.Options.Video),
            own_feeds = report.Options.Urls.Count == 0,
            threads = report.Sweep.RunSettings.Threads,
            max_batch = report.Options.MaxBatch,
            mp4_output = report.Options.WriteVideo,
            cores = report.Cores,
        },
        report.Totals,
        sweep = new { points = report.Sweep.Points, best = report.Sweep.Best, run_settings = report.Sweep.RunSettings, ratio = Math.Round(report.Sweep.RunSettingsRatio, 3), hint = report.Sweep.Hint },
        mean_batch = Math.Round(report.MeanBatch, 2),
        memory = new { early_peak_rss_bytes = report.ResidentPeaks.Early, late_peak_rss_bytes = report.ResidentPeaks.Late, growth = Math.Round(report.MemoryGrowth, 4), limit = SoakReport.MemoryGrowthLimit, plateaus = report.MemoryPlateaus },
        live = new
        {
            from_seconds = report.Live.FromSeconds,
            to_seconds = report.Live.ToSeconds,
            batch_inference_ms = Math.Round(report.Live.BatchMs, 1),
            overall = report.Live.Overall,
            p50_ratio = Math.Round(report.Live.P50Ratio, 3),
            p99_ratio = Math.Round(report.Live.P99Ratio, 3),
            streams = report.Live.Streams,
            unfairness = Math.Round(report.Live.Unfairness, 3),
            drift = report.Live.Drift is { } d ? Math.Round(d, 3) : (double?)null,
            goals_met = report.LiveGoalsMet,
        },
        latency = new { early_p99_ms = Math.Round(report.LatencyP99.Early, 1), late_p99_ms = Math.Round(report.LatencyP99.Late, 1), drift = Math.Round(report.LatencyDrift, 3), limit = SoakReport.LatencyDriftLimit, stable = report.LatencyStable },
        report.Samples,
    }, Json);

    public static void WriteText(SoakReport report, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        double seconds = report.Samples.Count == 0 ? 0 : report.Samples[^1].ElapsedSeconds;
        output.WriteLine(string.Create(c, $"soak: {report.Totals.Count} live streams, {seconds:0} s, {report.Cores} cores, mean batch {report.MeanBatch:0.00}"));
        output.WriteLine("| stream | frames in | frames out | dropped | reconnects |");
        output.WriteLine("| ------ | --------: | ---------: | ------: | ---------: |");
        foreach (var t in report.Totals)
        {
            output.WriteLine(string.Create(c, $"| {t.Name} | {t.In} | {t.Out} | {t.Dropped} | {t.Reconnects} |"));
        }

        output.WriteLine(string.Create(c, $"| all | {report.Totals.Sum(t => t.In)} | {report.Totals.Sum(t => t.Out)} | {report.Totals.Sum(t => t.Dropped)} | {report.Totals.Sum(t => t.Reconnects)} |"));
        var (earlyRss, lateRss) = report.ResidentPeaks;
        var (earlyP99, lateP99) = report.LatencyP99;
        output.WriteLine(string.Create(c, $"memory: peak RSS {earlyRss / 1048576.0:0.0} MB early, {lateRss / 1048576.0:0.0} MB late ({report.MemoryGrowth:+0.0%;-0.0%}; limit +{SoakReport.MemoryGrowthLimit:0%}): {Verdict(report.MemoryPlateaus, "plateau", "still growing")}"));
        var sweep = report.Sweep;
        output.WriteLine(string.Create(c, $"threads: {sweep.RunSettings.Threads} intra-op, spinning {(sweep.RunSettings.Spinning ? "on" : "off")}: bare loop {sweep.RunSettings.Fps:0.00} frames/s, {sweep.RunSettingsRatio:0.00} of the best of the sweep ({sweep.Best.Threads} threads, spinning {(sweep.Best.Spinning ? "on" : "off")}, {sweep.Best.Fps:0.00} frames/s): {sweep.Hint ?? "no better setting"}"));
        Live.LiveLatencyWriter.Write(report.Live, output);
        output.WriteLine(string.Create(c, $"latency: p99 {earlyP99:0} ms early, {lateP99:0} ms late (x{report.LatencyDrift:0.00}; limit x{SoakReport.LatencyDriftLimit:0.00}): {Verdict(report.LatencyStable, "no drift", "drifting")}"));
    }

    private static string Verdict(bool? ok, string yes, string no) => ok switch
    {
        true => yes,
        false => no,
        null => $"too short to judge (needs {SoakReport.MinimumSteadySamples} samples after the warm-up: a longer --duration or a shorter --interval)",
    };
}
