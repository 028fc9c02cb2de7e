using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseRunOptions (also on finalization).</summary>
internal sealed unsafe class OrtRunOptionsHandle : SafeHandle
{
    public OrtRunOptionsHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseRunOptions(handle);
        return true;
    }
}
