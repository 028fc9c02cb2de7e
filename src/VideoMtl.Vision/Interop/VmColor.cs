using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_color (4 bytes, BGRA order).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VmColor
{
    public byte B;
    public byte G;
    public byte R;
    public byte A;

    public static VmColor From(BgrColor color, byte alpha = 255) => new() { B = color.B, G = color.G, R = color.R, A = alpha };
}
