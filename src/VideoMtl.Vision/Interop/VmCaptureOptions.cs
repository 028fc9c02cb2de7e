using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>Mirror of vm_capture_options (40 bytes, checked by static_assert in the shim).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VmCaptureOptions
{
    public byte* Uri;
    public int SourceKind;
    public int DeviceIndex;
    public int Backend;
    public int OpenTimeoutMs;
    public int ReadTimeoutMs;
    public int RtspTransport;
    public int Reserved;
}
