using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseIoBinding (also on finalization).</summary>
internal sealed unsafe class OrtIoBindingHandle : SafeHandle
{
    public OrtIoBindingHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseIoBinding(handle);
        return true;
    }
}
