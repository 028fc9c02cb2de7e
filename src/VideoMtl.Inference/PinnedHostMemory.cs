using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace VideoMtl.Inference;

/// <summary>
/// Page-locked ("CUDA pinned") host memory from a GPU session's own allocator: input tensors placed there
/// are copied to the GPU by DMA without a staging copy. Only a session running on the CUDA or TensorRT
/// provider has this allocator; <see cref="TryCreate"/> says why when it is not available, and the caller
/// then keeps ordinary managed buffers. Values from <see cref="Allocate"/> must be disposed before this object.
/// </summary>
public sealed class PinnedHostMemory : IDisposable
{
    private readonly OrtMemoryInfo _info;
    private readonly OrtAllocator _allocator;

    private PinnedHostMemory(OrtMemoryInfo info, OrtAllocator allocator)
    {
        _info = info;
        _allocator = allocator;
    }

    /// <summary>The session's pinned-memory allocator, or null and the reason it has none.</summary>
    public static PinnedHostMemory? TryCreate(ModelSession session, out string? unavailableReason)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.ExecutionProviders.Contains("CUDAExecutionProvider"))
        {
            unavailableReason = $"no CUDA pinned host memory: the session runs on {session.ExecutionProviders[0]}, and only a session on the CUDA or TensorRT provider has that allocator";
            return null;
        }

        var info = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.CpuOutput);
        try
        {
            var allocator = new OrtAllocator(session.Ort, info);
            unavailableReason = null;
            return new PinnedHostMemory(info, allocator);
        }
        catch (OnnxRuntimeException e)
        {
            info.Dispose();
            unavailableReason = $"no CUDA pinned host memory from the session ({e.Message}); the CUDA or TensorRT provider must run it";
            return null;
        }
    }

    /// <summary>A float tensor of <paramref name="shape"/> in pinned memory (contents undefined until written).</summary>
    public OrtValue Allocate(long[] shape) => OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, shape);

    public void Dispose()
    {
        _allocator.Dispose();
        _info.Dispose();
    }
}
