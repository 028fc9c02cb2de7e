using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_frame_info (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VmFrameInfo
{
    public long Index;
    public double TimestampMs;
    public int Width;
    public int Height;
}
