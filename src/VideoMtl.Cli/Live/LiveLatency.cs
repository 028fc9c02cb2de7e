namespace VideoMtl.Cli.Live;

/// <summary>
/// End-to-end latency of a live run set against the batch inference time of the same run, per stream and
/// overall, with the goals it is judged by: p99 at most 2× and p50 at most 1.5× the batch time (a result is
/// about one batch old when published: the wait for the next batch is bounded by the frame interval, not by
/// a queue), every stream's results/s within ±25% of the mean, and the last minute's p99 within 20% of the
/// first minute's.
/// </summary>
/// <param name="BatchMs">Median inference time of the batches the frames went through (each frame counts once).</param>
/// <param name="RawDrift">Last-minute p99 over first-minute p99 of the window; null when it is shorter than two minutes.</param>
/// <param name="Drift">
/// The same with each minute's p99 counted in that minute's median batch time: what the goal judges. A shared
/// machine's speed wanders by a fifth over minutes (measured here: batch medians 700–900 ms in one 10-minute
/// soak), which moves the raw p99 with it; a backlog building up is what drift means, and it shows as a
/// p99 that grows against the batch time.
/// </param>
internal sealed record LiveLatency(
    IReadOnlyList<StreamLatency> Streams, LatencyPercentiles Overall, double BatchMs, double FromSeconds, double ToSeconds, double? RawDrift, double? Drift)
{
    public const double P99Goal = 2.0;
    public const double P50Goal = 1.5;
    public const double FairnessGoal = 0.25;
    public const double DriftGoal = 0.20;

    public double P50Ratio => BatchMs > 0 ? Overall.P50Ms / BatchMs : 0;

    public double P99Ratio => BatchMs > 0 ? Overall.P99Ms / BatchMs : 0;

    public double MeanResultsPerSecond => Streams.Count == 0 ? 0 : Streams.Average(s => s.ResultsPerSecond);

    /// <summary>The largest distance of one stream's results/s from the mean, as a fraction of the mean.</summary>
    public double Unfairness => MeanResultsPerSecond <= 0 ? 0 : Streams.Max(s => Math.Abs(s.ResultsPerSecond - MeanResultsPerSecond)) / MeanResultsPerSecond;

    public bool LatencyGoalMet => Overall.Count > 0 && P99Ratio <= P99Goal && P50Ratio <= P50Goal;

    public bool FairnessGoalMet => Streams.Count > 0 && Unfairness <= FairnessGoal;

    public bool? DriftGoalMet => Drift is { } d ? Math.Abs(d - 1) <= DriftGoal : null;

    /// <summary>The figures of the frames published between <paramref name="from"/> and <paramref name="to"/> seconds.</summary>
    public static LiveLatency From(IReadOnlyList<PublishedFrame> frames, IReadOnlyList<string> streamNames, double from, double to)
    {
        var window = frames.Where(f => f.AtSeconds >= from && f.AtSeconds <= to).ToList();
        double seconds = Math.Max(to - from, 1e-9);
        var streams = streamNames.Select((name, i) =>
        {
            var own = window.Where(f => f.Stream == i).ToList();
            return new StreamLatency(name, LatencyPercentiles.Of(own.Select(f => f.LatencyMs)), own.Count / seconds);
        }).ToList();
        var batches = window.Select(f => f.BatchMs).Order().ToList();
        double? rawDrift = null, drift = null;
        if (to - from >= 120)
        {
            var (firstP99, firstBatch) = Minute(window.Where(f => f.AtSeconds < from + 60));
            var (lastP99, lastBatch) = Minute(window.Where(f => f.AtSeconds > to - 60));
            if (firstP99 > 0 && firstBatch > 0 && lastBatch > 0)
            {
                rawDrift = lastP99 / firstP99;
                drift = (lastP99 / lastBatch) / (firstP99 / firstBatch);
            }
        }

        return new LiveLatency(streams, LatencyPercentiles.Of(window.Select(f => f.LatencyMs)), LatencyPercentiles.Percentile(batches, 0.5), from, to, rawDrift, drift);
    }

    /// <summary>A minute's p99 latency and median batch time.</summary>
    private static (double P99, double Batch) Minute(IEnumerable<PublishedFrame> frames)
    {
        var list = frames.ToList();
        return (LatencyPercentiles.Of(list.Select(f => f.LatencyMs)).P99Ms, LatencyPercentiles.Percentile([.. list.Select(f => f.BatchMs).Order()], 0.5));
    }
}

/// <summary>One stream's share of a live run: its latency percentiles and results per second.</summary>
internal sealed record StreamLatency(string Name, LatencyPercentiles Latency, double ResultsPerSecond);
