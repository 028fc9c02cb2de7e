using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseTypeInfo (also on finalization).</summary>
internal sealed unsafe class OrtTypeInfoHandle : SafeHandle
{
    public OrtTypeInfoHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseTypeInfo(handle);
        return true;
    }
}
