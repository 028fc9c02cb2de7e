using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Owns one native vm_capture; released exactly once through vm_capture_release, also on finalization.</summary>
internal sealed class CaptureSafeHandle : SafeHandle
{
    public CaptureSafeHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => NativeMethods.vm_capture_release(handle) == NativeStatus.Ok;
}
