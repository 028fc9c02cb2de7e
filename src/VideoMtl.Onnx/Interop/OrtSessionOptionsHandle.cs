using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseSessionOptions (also on finalization).</summary>
internal sealed unsafe class OrtSessionOptionsHandle : SafeHandle
{
    public OrtSessionOptionsHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseSessionOptions(handle);
        return true;
    }
}
