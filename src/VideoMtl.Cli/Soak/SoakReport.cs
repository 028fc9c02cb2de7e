namespace VideoMtl.Cli.Soak;

/// <summary>
/// A soak run's samples and totals, with the two verdicts it exists for: memory reaches a plateau and
/// latency does not drift. Both compare the steady part of the run (after the first tenth, the warm-up)
/// early against late.
/// </summary>
/// <param name="Sweep">Bare loops over thread counts and spinning before the soak: whether its settings left speed unused.</param>
/// <param name="Live">End-to-end latency of the steady part against the batch inference time, per stream and overall.</param>
internal sealed record SoakReport(SoakOptions Options, IReadOnlyList<SoakSample> Samples, IReadOnlyList<SoakStreamCounts> Totals, double MeanBatch, int Cores, Bench.SweepFigures Sweep, Live.LiveLatency Live)
{
    /// <summary>RSS may grow this much (fraction) from the first to the second half of the steady part.</summary>
    public const double MemoryGrowthLimit = 0.05;

    /// <summary>p99 latency late in the run may be at most this multiple of p99 early in the run.</summary>
    public const double LatencyDriftLimit = 1.25;

    /// <summary>
    /// Steady samples needed before either verdict is given: two per third of the run at least. With fewer,
    /// one noisy interval (a busy machine, the model still warming) would decide the verdict alone.
    /// </summary>
    public const int MinimumSteadySamples = 6;

    private List<SoakSample> Steady => Samples.Skip(Math.Max(1, Samples.Count / 10)).ToList();

    /// <summary>Highest RSS in the first and in the second half of the steady part.</summary>
    public (long Early, long Late) ResidentPeaks
    {
        get
        {
            var steady = Steady;
            int half = steady.Count / 2;
            return steady.Count < 2 ? (0, 0) : (steady.Take(half).Max(s => s.ResidentBytes), steady.Skip(half).Max(s => s.ResidentBytes));
        }
    }

    /// <summary>Median of the per-interval p99 in the first and in the last third of the steady part.</summary>
    public (double Early, double Late) LatencyP99
    {
        get
        {
            var steady = Steady;
            int third = Math.Max(1, steady.Count / 3);
            return steady.Count < 3 ? (0, 0) : (Median(steady.Take(third).Select(s => s.LatencyP99Ms)), Median(steady.Skip(steady.Count - third).Select(s => s.LatencyP99Ms)));
        }
    }

    public double MemoryGrowth => ResidentPeaks.Early == 0 ? 0 : (ResidentPeaks.Late - ResidentPeaks.Early) / (double)ResidentPeaks.Early;

    public double LatencyDrift => LatencyP99.Early == 0 ? 0 : LatencyP99.Late / LatencyP99.Early;

    /// <summary>Null when there were too few samples to judge (fewer than <see cref="MinimumSteadySamples"/> after warm-up).</summary>
    public bool? MemoryPlateaus => Steady.Count < MinimumSteadySamples ? null : MemoryGrowth <= MemoryGrowthLimit;

    public bool? LatencyStable => Steady.Count < MinimumSteadySamples ? null : LatencyDrift <= LatencyDriftLimit;

    /// <summary>The live-latency goals (latency against the batch time, fairness, no drift); null when the run is too short to judge.</summary>
    public bool? LiveGoalsMet => Steady.Count < MinimumSteadySamples ? null : Live.LatencyGoalMet && Live.FairnessGoalMet && Live.DriftGoalMet != false;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
