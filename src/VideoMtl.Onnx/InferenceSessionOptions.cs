namespace VideoMtl.Onnx;

/// <summary>How an <see cref="InferenceSession"/> is created (maps onto OrtSessionOptions).</summary>
public sealed record InferenceSessionOptions
{
    public GraphOptimizationLevel GraphOptimization { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Threads inside one operator; 0 = ORT's default (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators (Parallel mode only); 0 = ORT's default.</summary>
    public int InterOpThreads { get; init; }

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    public ExecutionProviderOptions Provider { get; init; } = ExecutionProviderOptions.Cpu;

    public OrtLogLevel LogLevel { get; init; } = OrtLogLevel.Warning;

    /// <summary>Extra session config entries (AddSessionConfigEntry), e.g. "session.intra_op.allow_spinning" = "0".</summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();
}
