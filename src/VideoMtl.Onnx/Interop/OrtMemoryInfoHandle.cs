using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseMemoryInfo (also on finalization).</summary>
internal sealed unsafe class OrtMemoryInfoHandle : SafeHandle
{
    public OrtMemoryInfoHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseMemoryInfo(handle);
        return true;
    }
}
