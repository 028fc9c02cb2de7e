using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseAllocator (also on finalization).</summary>
internal sealed unsafe class OrtAllocatorHandle : SafeHandle
{
    public OrtAllocatorHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseAllocator(handle);
        return true;
    }
}
