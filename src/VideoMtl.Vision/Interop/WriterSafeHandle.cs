using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Owns one native vm_writer; released exactly once through vm_writer_release, also on finalization.</summary>
internal sealed class WriterSafeHandle : SafeHandle
{
    public WriterSafeHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => NativeMethods.vm_writer_release(handle) == NativeStatus.Ok;
}
