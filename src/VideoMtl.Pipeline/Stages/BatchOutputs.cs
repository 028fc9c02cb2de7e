using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// The output tensors of one inference call, shared by the frames of that batch: each frame decodes its
/// own slice, then releases; the last release disposes the tensors. No output is copied.
/// </summary>
public sealed class BatchOutputs
{
    private readonly IDisposableReadOnlyCollection<OrtValue> _outputs;
    private int _references;

    private readonly Action? _disposed;

    /// <param name="disposed">Called once the last frame has released the outputs and they are disposed.</param>
    public BatchOutputs(IDisposableReadOnlyCollection<OrtValue> outputs, int batchSize, Action? disposed = null)
    {
        _disposed = disposed;
        _outputs = outputs;
        BatchSize = batchSize;
        _references = batchSize;
    }

    public int BatchSize { get; }

    /// <summary>The run's output tensors, valid until the last frame of the batch releases them.</summary>
    public IReadOnlyList<OrtValue> Outputs => _outputs;

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _outputs.Dispose(); // every value of the run
            _disposed?.Invoke();
        }
    }
}
