using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_capture_info (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmCaptureInfo
{
    public int Width;
    public int Height;
    public double Fps;
    public long FrameCount;
    public int Fourcc;
    public int Reserved;
    public fixed byte Backend[32];
}
