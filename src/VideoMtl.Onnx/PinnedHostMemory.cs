using System.Runtime.InteropServices;
using VideoMtl.Onnx.Interop;

namespace VideoMtl.Onnx;

/// <summary>
/// Page-locked ("CUDA pinned") host memory from a GPU session's own allocator: input tensors placed there
/// are copied to the GPU by DMA without a staging copy. Only a session running on the CUDA or TensorRT
/// provider has this allocator; <see cref="TryCreate"/> says why when it is not available (on a CPU session,
/// or with an ONNX Runtime build without CUDA), and the caller then keeps ordinary managed buffers.
/// Tensors from <see cref="Allocate"/> must be disposed before this object.
/// </summary>
public sealed unsafe class PinnedHostMemory : IDisposable
{
    // OrtAllocatorType.OrtDeviceAllocator and OrtMemType.OrtMemTypeCPUOutput (the C API's values).
    private const int DeviceAllocator = 0;
    private const int MemTypeCpuOutput = -1;

    private readonly OrtMemoryInfoHandle _info;
    private readonly OrtAllocatorHandle _allocator;

    private PinnedHostMemory(OrtMemoryInfoHandle info, OrtAllocatorHandle allocator)
    {
        _info = info;
        _allocator = allocator;
    }

    /// <summary>The session's pinned-memory allocator, or null and the reason it has none.</summary>
    public static PinnedHostMemory? TryCreate(InferenceSession session, out string? unavailableReason)
    {
        ArgumentNullException.ThrowIfNull(session);
        var api = OrtLibrary.Api;
        using var name = new Utf8Name("CudaPinned");
        nint rawInfo;
        OrtStatus.VerifySuccess(api.CreateMemoryInfo(name.Pointer, DeviceAllocator, 0, MemTypeCpuOutput, &rawInfo));
        var info = new OrtMemoryInfoHandle();
        Marshal.InitHandle(info, rawInfo);

        nint rawAllocator;
        nint status = api.CreateAllocator(session.Handle.DangerousGetHandle(), rawInfo, &rawAllocator);
        if (status != nint.Zero)
        {
            try
            {
                OrtStatus.VerifySuccess(status);
            }
            catch (OrtException e)
            {
                info.Dispose();
                unavailableReason = $"no pinned host memory in this session ({e.Message}); it exists only when the CUDA or TensorRT provider runs the session";
                return null;
            }
        }

        var allocator = new OrtAllocatorHandle();
        Marshal.InitHandle(allocator, rawAllocator);
        unavailableReason = null;
        return new PinnedHostMemory(info, allocator);
    }

    /// <summary>A float tensor of the given shape in pinned memory (contents undefined).</summary>
    public OrtTensor Allocate(ReadOnlySpan<long> shape)
    {
        nint value;
        fixed (long* dims = shape)
        {
            OrtStatus.VerifySuccess(OrtLibrary.Api.CreateTensorAsOrtValue(
                _allocator.DangerousGetHandle(), dims, (nuint)shape.Length, (int)TensorElementType.Float, &value));
        }

        return OrtTensor.FromOwnedValue(value);
    }

    public void Dispose()
    {
        _allocator.Dispose();
        _info.Dispose();
    }
}
