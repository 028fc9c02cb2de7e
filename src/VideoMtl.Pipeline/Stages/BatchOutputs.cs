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

    /// <summary>Image <paramref name="image"/>'s part of output <paramref name="output"/> (empty when the output is absent).</summary>
    public ReadOnlySpan<float> Slice(int output, int image)
    {
        if (output < 0)
        {
            return [];
        }

        var data = _outputs[output].GetData<float>();
        int per = data.Length / BatchSize;
        return data.Slice(image * per, per);
    }

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
