using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_letterbox (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VmLetterbox
{
    public float Scale;
    public int PadLeft;
    public int PadTop;
    public int ResizedWidth;
    public int ResizedHeight;
    public int Reserved;
}
