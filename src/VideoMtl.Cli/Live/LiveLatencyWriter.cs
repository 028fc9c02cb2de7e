using System.Globalization;

namespace VideoMtl.Cli.Live;

/// <summary>The live latency figures as text: what <c>soak</c> and <c>bench --live</c> print.</summary>
internal static class LiveLatencyWriter
{
    public static void Write(LiveLatency live, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var o = live.Overall;
        output.WriteLine(string.Create(c, $"live latency, end to end (bytes in to last sink), {live.FromSeconds:0}–{live.ToSeconds:0} s of the run, {o.Count} results:"));
        output.WriteLine("| stream | results/s | p50 ms | p95 ms | p99 ms |");
        output.WriteLine("| ------ | --------: | -----: | -----: | -----: |");
        foreach (var s in live.Streams)
        {
            output.WriteLine(string.Create(c, $"| {s.Name} | {s.ResultsPerSecond:0.00} | {s.Latency.P50Ms:0} | {s.Latency.P95Ms:0} | {s.Latency.P99Ms:0} |"));
        }

        output.WriteLine(string.Create(c, $"| all | {live.Streams.Sum(s => s.ResultsPerSecond):0.00} | {o.P50Ms:0} | {o.P95Ms:0} | {o.P99Ms:0} |"));
        output.WriteLine(string.Create(c,
            $"batch inference {live.BatchMs:0} ms (median, same run): p50 x{live.P50Ratio:0.00} (goal <= x{LiveLatency.P50Goal:0.0}), p99 x{live.P99Ratio:0.00} (goal <= x{LiveLatency.P99Goal:0.0}): {(live.LatencyGoalMet ? "met" : "missed")}"));
        if (live.Streams.Count > 0)
        {
            output.WriteLine(string.Create(c,
                $"fairness: {live.Streams.Min(s => s.ResultsPerSecond):0.00}–{live.Streams.Max(s => s.ResultsPerSecond):0.00} results/s per stream, at most {live.Unfairness:0%} from the mean {live.MeanResultsPerSecond:0.00} (goal ±{LiveLatency.FairnessGoal:0%}): {(live.FairnessGoalMet ? "met" : "missed")}"));
        }

        output.WriteLine(live.Drift is { } drift
            ? string.Create(c, $"drift: last-minute p99 x{live.RawDrift:0.00} the first minute's, x{drift:0.00} counted in each minute's batch time (goal within ±{LiveLatency.DriftGoal:0%}): {(live.DriftGoalMet == true ? "met" : "missed")}")
            : "drift: not judged (needs two minutes after the warm-up)");
    }
}
