using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_writer_options (48 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmWriterOptions
{
    public byte* Path;
    public byte* Fourcc;
    public byte* Preset;
    public double Fps;
    public int Width;
    public int Height;
    public int IsColor;
    public int Reserved;
}
