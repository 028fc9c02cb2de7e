using VideoMtl.Onnx;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// The output tensors of one inference call, shared by the frames of that batch: each frame decodes its
/// own slice, then releases; the last release disposes the tensors. No output is copied.
/// </summary>
public sealed class BatchOutputs
{
    private readonly OrtTensor[] _outputs;
    private int _references;

    public BatchOutputs(OrtTensor[] outputs, int batchSize)
    {
        _outputs = outputs;
        BatchSize = batchSize;
        _references = batchSize;
    }

    public int BatchSize { get; }

    /// <summary>The run's output tensors, valid until the last frame of the batch releases them.</summary>
    public IReadOnlyList<OrtTensor> Outputs => _outputs;

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            foreach (var output in _outputs)
            {
                output.Dispose();
            }
        }
    }
}
