using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseCUDAProviderOptions (also on finalization).</summary>
internal sealed unsafe class OrtCudaProviderOptionsHandle : SafeHandle
{
    public OrtCudaProviderOptionsHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseCUDAProviderOptions(handle);
        return true;
    }
}
