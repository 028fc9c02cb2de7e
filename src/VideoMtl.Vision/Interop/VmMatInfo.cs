using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_mat_info (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmMatInfo
{
    public int Width;
    public int Height;
    public int Channels;
    public int Depth;
    public long Step;
    public byte* Data;
}
