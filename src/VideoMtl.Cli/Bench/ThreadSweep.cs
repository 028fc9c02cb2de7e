using VideoMtl.Inference;
using VideoMtl.Inference.Threading;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// Bare <c>Run</c> loops over intra-op thread counts and spinning on/off, so that a ceiling measured at the
/// run's own settings cannot hide a bad setting (a thread default that saw one core of two made the
/// pipeline look at 0.99 of a ceiling that was itself a third too low). Batch 1, as an independent runner
/// would measure.
/// </summary>
internal static class ThreadSweep
{
    /// <summary>A run's settings that are this much slower than the best bare loop get a hint.</summary>
    public const double HintThreshold = 0.95;

    /// <summary>1, 2, 4, ... up to the CPUs available, plus that count and one fewer: every count on a small machine, a few on a big one.</summary>
    public static IReadOnlyList<int> ThreadCounts(int available)
    {
        var counts = new SortedSet<int> { available, Math.Max(1, available - 1) };
        for (int t = 1; t < available; t *= 2)
        {
            counts.Add(t);
        }

        return [.. counts];
    }

    public static SweepFigures Run(string modelPath, ExecutionProviderOptions provider, string source, int framesPerPoint, int runThreads, bool runSpinning, Action<string> say)
    {
        var points = new List<SweepPoint>();
        foreach (int threads in ThreadCounts(CpuBudget.Detect().Available))
        {
            foreach (bool spinning in new[] { true, false })
            {
                say($"thread sweep: bare Run loop, batch 1, {threads} intra-op thread(s), spinning {(spinning ? "on" : "off")}");
                points.Add(Measure(threads, spinning));
            }
        }

        // The run's own settings may lie outside the sweep (an explicit --threads above the CPUs): measure them too.
        var own = points.FirstOrDefault(p => p.Threads == runThreads && p.Spinning == runSpinning);
        if (own is null)
        {
            say($"thread sweep: bare Run loop at the run's settings ({runThreads} threads, spinning {(runSpinning ? "on" : "off")})");
            own = Measure(runThreads, runSpinning);
        }

        return new SweepFigures(points, points.MaxBy(p => p.Fps)!, own);

        SweepPoint Measure(int threads, bool spinning)
        {
            var sessionOptions = new InferenceSessionOptions
            {
                Provider = provider,
                IntraOpThreads = threads,
                LogLevel = OrtLogLevel.Error,
                Spinning = spinning,
            };
            return new SweepPoint(threads, spinning, BareRunLoop.Measure(modelPath, sessionOptions, source, 1, framesPerPoint));
        }
    }
}

/// <summary>One bare loop of the sweep.</summary>
internal sealed record SweepPoint(int Threads, bool Spinning, double Fps);

/// <param name="Best">The fastest point.</param>
/// <param name="RunSettings">The point with the run's own thread count and spinning.</param>
internal sealed record SweepFigures(IReadOnlyList<SweepPoint> Points, SweepPoint Best, SweepPoint RunSettings)
{
    /// <summary>The run's settings as a share of the best.</summary>
    public double RunSettingsRatio => RunSettings.Fps / Best.Fps;

    /// <summary>What to change when the run's settings are more than 5% slower than the best (null otherwise).</summary>
    public string? Hint
    {
        get
        {
            if (RunSettingsRatio >= ThreadSweep.HintThreshold)
            {
                return null;
            }

            var changes = new List<string>();
            if (Best.Threads != RunSettings.Threads)
            {
                changes.Add($"--threads {Best.Threads} (Threads)");
            }

            if (Best.Spinning != RunSettings.Spinning)
            {
                changes.Add($"--ort-spinning {(Best.Spinning ? "true" : "false")} (OrtSpinning)");
            }

            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"the run's settings ({RunSettings.Threads} threads, spinning {(RunSettings.Spinning ? "on" : "off")}) reach {RunSettingsRatio:0.00} of the best bare loop ({Best.Threads} threads, spinning {(Best.Spinning ? "on" : "off")}, {Best.Fps:0.00} frames/s): set {string.Join(" and ", changes)}");
        }
    }
}
