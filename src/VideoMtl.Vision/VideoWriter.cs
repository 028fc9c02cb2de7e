using System.Text;
using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>
/// Writes BGR frames to a video file through OpenCV's FFmpeg backend. Disposing finalizes the file
/// (an mp4 is only playable after that), so always dispose, also on cancellation.
/// </summary>
public sealed unsafe class VideoWriter : IDisposable
{
    private readonly WriterSafeHandle _handle;

    private VideoWriter(WriterSafeHandle handle, string path, string codec, int width, int height)
    {
        _handle = handle;
        Path = path;
        Codec = codec;
        Width = width;
        Height = height;
    }

    public string Path { get; }

    /// <summary>The fourcc actually used: "avc1" (H.264) when FFmpeg can encode it, else "mp4v".</summary>
    public string Codec { get; }

    public int Width { get; }

    public int Height { get; }

    public long FramesWritten { get; private set; }

    /// <param name="fourcc">Four characters, or null to pick H.264 and fall back to mp4v.</param>
    public static VideoWriter Open(string path, int width, int height, double fps, string? fourcc = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new VisionException(VisionErrorKind.NotFound, $"output folder does not exist: {directory} (create it first)");
        }

        byte[] pathBytes = Encoding.UTF8.GetBytes(path + "\0");
        byte[]? fourccBytes = fourcc is null ? null : Encoding.ASCII.GetBytes(fourcc + "\0");
        byte* used = stackalloc byte[8];
        int status;
        WriterSafeHandle handle;
        fixed (byte* p = pathBytes)
        fixed (byte* f = fourccBytes)
        {
            var options = new VmWriterOptions { Path = p, Fourcc = f, Fps = fps, Width = width, Height = height, IsColor = 1 };
            status = NativeMethods.vm_writer_open(options, out handle, used);
        }

        if (status != NativeStatus.Ok)
        {
            handle.Dispose();
            var failure = NativeStatus.Failure(status);
            throw failure.Kind == VisionErrorKind.OpenFailed
                ? new VisionException(failure.Kind, $"cannot write video {path} ({width}x{height}, {fps:0.##} fps): check that the folder is writable and has space")
                : failure;
        }

        return new VideoWriter(handle, path, new string((sbyte*)used), width, height);
    }

    public void Write(ImageBuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        NativeStatus.Check(NativeMethods.vm_writer_write(_handle, frame.Handle));
        FramesWritten++;
    }

    public void Dispose() => _handle.Dispose();
}
