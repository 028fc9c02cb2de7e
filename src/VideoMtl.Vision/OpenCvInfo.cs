using System.Text;
using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>What the OpenCV build behind the shim offers.</summary>
public static unsafe class OpenCvInfo
{
    public static string Version => ReadString(&NativeMethods.vm_opencv_version);

    /// <summary>Video I/O backends compiled in or loadable, e.g. FFMPEG, GSTREAMER, V4L2.</summary>
    public static IReadOnlyList<string> VideoBackends =>
        ReadString(&NativeMethods.vm_video_backends).Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static string ReadString(delegate*<byte*, int, int> export)
    {
        byte* buffer = stackalloc byte[1024];
        NativeStatus.Check(export(buffer, 1024));
        return Encoding.UTF8.GetString(new ReadOnlySpan<byte>(buffer, 1024)[..new ReadOnlySpan<byte>(buffer, 1024).IndexOf((byte)0)]);
    }
}
