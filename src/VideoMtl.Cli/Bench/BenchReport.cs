namespace VideoMtl.Cli.Bench;

/// <summary>Everything one <c>videomtl bench</c> run measured; written as a table and as JSON (snake_case).</summary>
internal sealed record BenchReport
{
    public required BenchSetup Setup { get; init; }

    /// <summary>Bare <c>Run</c> loop of the same model, same threads and batch: the most the pipeline could do.</summary>
    public required double CeilingFps { get; init; }

    public double? CeilingFpsBatch1 { get; init; }

    /// <summary>
    /// A bare loop with ONNX Runtime's own defaults (batch 1, intra-op threads spinning, one per core): what
    /// a separate runner that sets nothing gets from the same model. On a small CPU it can beat the pipeline's
    /// settings in a bare loop, because spinning threads answer at once when no other work needs the cores.
    /// </summary>
    public required double OrtDefaultsFps { get; init; }

    /// <summary>Bare loops over thread counts and spinning: the best the machine can do, whatever the settings.</summary>
    public required SweepFigures Sweep { get; init; }

    /// <summary>Reading and decoding the same file, nothing else.</summary>
    public required double DecodeFps { get; init; }

    /// <summary>Decoding the same file in an ffmpeg child process, frames over a pipe (start-up included).</summary>
    public required double DecodeFpsFfmpeg { get; init; }

    public required HostWorkFigures HostAlone { get; init; }

    public required PipelineFigures SinksOn { get; init; }

    public required PipelineFigures SinksOff { get; init; }

    public IReadOnlyList<BatchingFigures> Batching { get; init; } = [];

    public double RatioSinksOn => SinksOn.SteadyFps / CeilingFps;

    public double RatioSinksOff => SinksOff.SteadyFps / CeilingFps;

    public double RatioSinksOnVsOrtDefaults => SinksOn.SteadyFps / OrtDefaultsFps;

    /// <summary>
    /// The fastest bare loop of the whole bench (the sweep's points, both ceilings, ONNX Runtime's defaults):
    /// what the machine can do with any setting, so the ratio against it cannot be flattered by a bad one.
    /// </summary>
    public double BestBareFps => new[] { Sweep.Best.Fps, CeilingFps, CeilingFpsBatch1 ?? 0, OrtDefaultsFps }.Max();

    /// <summary>The pipeline against <see cref="BestBareFps"/>.</summary>
    public double RatioSinksOnVsBest => SinksOn.SteadyFps / BestBareFps;

    public required IReadOnlyList<TargetCheck> Targets { get; init; }
}

internal sealed record BenchSetup(
    string Source, int Width, int Height, string Model, int Frames, int Threads, int MaxBatch, int Cores, string Runtime, string OnnxRuntime, string OpenCv, string Device);

/// <param name="Fps">Frames over the whole run, model load excluded, warm-up and drain included.</param>
/// <param name="SteadyFps">Frames per second after the warm-up frames, to the last frame.</param>
/// <param name="HostMsPerFrame">Preprocess + postprocess + track + overlay per frame: what VideoMtl adds around the model.</param>
internal sealed record PipelineFigures(
    string Sinks, long Frames, double Fps, double SteadyFps, double MeanBatch, IReadOnlyDictionary<string, double> StageMsPerFrame,
    double HostMsPerFrame, double ObjectsPerFrame, double AllocatedBytesPerFrame);

/// <summary>Per-frame host work timed alone (one thread, nothing else running), on real frames and outputs.</summary>
/// <param name="TrackMs">The tracker's update on consecutive frames of the clip (ids, Kalman steps, assignment).</param>
internal sealed record HostWorkFigures(int Frames, double PreprocessMs, double PostprocessMs, double TrackMs, double OverlayMs, double ObjectsPerFrame)
{
    public double TotalMs => PreprocessMs + PostprocessMs + TrackMs + OverlayMs;
}

internal sealed record BatchingFigures(int Streams, int MaxBatch, long Frames, double SteadyFps, double MeanBatch);

internal sealed record TargetCheck(string Name, string Goal, double Value, bool Met);
