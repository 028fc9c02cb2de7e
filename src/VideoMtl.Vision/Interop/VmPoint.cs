using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_point (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VmPoint
{
    public int X;
    public int Y;
}
