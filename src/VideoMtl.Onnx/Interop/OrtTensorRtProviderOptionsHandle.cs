using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseTensorRTProviderOptions (also on finalization).</summary>
internal sealed unsafe class OrtTensorRtProviderOptionsHandle : SafeHandle
{
    public OrtTensorRtProviderOptionsHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseTensorRTProviderOptions(handle);
        return true;
    }
}
