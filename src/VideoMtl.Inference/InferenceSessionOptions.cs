using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.Inference;

/// <summary>How a <see cref="ModelSession"/> is created; turned into ONNX Runtime's <see cref="SessionOptions"/>.</summary>
public sealed record InferenceSessionOptions
{
    public GraphOptimizationLevel GraphOptimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Threads inside one operator; 0 = ORT's default (one per physical core, by its own count).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators (parallel mode only); 0 = ORT's default.</summary>
    public int InterOpThreads { get; init; }

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.ORT_SEQUENTIAL;

    public ExecutionProviderOptions Provider { get; init; } = ExecutionProviderOptions.Cpu;

    public OrtLogLevel LogLevel { get; init; } = OrtLogLevel.Warning;

    /// <summary>
    /// Whether intra-op threads spin between operators (on) or sleep (off); null leaves ONNX Runtime's default
    /// (on). The one place the "session.intra_op.allow_spinning" entry is written.
    /// </summary>
    public bool? Spinning { get; init; }

    /// <summary>ONNX Runtime's options for these settings, providers not yet appended. The caller disposes them.</summary>
    internal SessionOptions ToSessionOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimization,
            ExecutionMode = ExecutionMode,
            LogSeverityLevel = (OrtLoggingLevel)LogLevel,
        };
        try
        {
            if (IntraOpThreads > 0)
            {
                options.IntraOpNumThreads = IntraOpThreads;
            }

            if (InterOpThreads > 0)
            {
                options.InterOpNumThreads = InterOpThreads;
            }

            if (Spinning is { } spinning)
            {
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            }

            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}
