using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Owns one native vm_mat; released exactly once through vm_mat_release, also on finalization.</summary>
internal sealed class MatSafeHandle : SafeHandle
{
    public MatSafeHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => NativeMethods.vm_mat_release(handle) == NativeStatus.Ok;
}
