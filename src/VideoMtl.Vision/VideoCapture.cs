using System.Text;
using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>
/// Reads frames from a file, a V4L2 camera or a network stream through OpenCV. Not thread-safe: one
/// reader per capture (the pipeline gives each source its own task).
/// </summary>
public sealed unsafe class VideoCapture : IFrameReader
{
    private readonly CaptureSafeHandle _handle;

    private VideoCapture(CaptureSafeHandle handle, VideoSource source, VideoStreamInfo info)
    {
        _handle = handle;
        Source = source;
        Info = info;
    }

    public VideoSource Source { get; }

    public VideoStreamInfo Info { get; }

    public static VideoCapture Open(string source, CaptureOptions? options = null) => Open(VideoSource.Parse(source), options);

    public static VideoCapture Open(VideoSource source, CaptureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new CaptureOptions();
        if (source.Kind == VideoSourceKind.File)
        {
            CheckReadableFile(source.Location);
        }

        byte[] uri = Encoding.UTF8.GetBytes(source.Location + "\0");
        int status;
        CaptureSafeHandle handle;
        fixed (byte* uriPtr = uri)
        {
            var native = new VmCaptureOptions
            {
                Uri = uriPtr,
                SourceKind = (int)source.Kind,
                DeviceIndex = source.DeviceIndex,
                Backend = (int)options.Backend,
                OpenTimeoutMs = ToMilliseconds(options.OpenTimeout),
                ReadTimeoutMs = ToMilliseconds(options.ReadTimeout),
                RtspTransport = (int)options.RtspTransport,
            };
            status = NativeMethods.vm_capture_open(native, out handle);
        }

        if (status != NativeStatus.Ok)
        {
            handle.Dispose();
            var failure = NativeStatus.Failure(status);
            throw failure.Kind == VisionErrorKind.OpenFailed ? new VisionException(failure.Kind, DescribeOpenFailure(source, options)) : failure;
        }

        try
        {
            NativeStatus.Check(NativeMethods.vm_capture_get_info(handle, out var raw));
            var info = new VideoStreamInfo(
                raw.Width,
                raw.Height,
                raw.Fps,
                source.Kind == VideoSourceKind.File && raw.FrameCount > 0 ? raw.FrameCount : null,
                new string((sbyte*)raw.Backend),
                FourccToString(raw.Fourcc));
            return new VideoCapture(handle, source, info);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the next frame into <paramref name="frame"/> (its buffer is reused when the size matches).
    /// Returns false at the end of a file or when a stream stops delivering within the read timeout;
    /// the buffer is then empty (OpenCV releases it), so keep no pixels across a failed read.
    /// </summary>
    public bool Read(ImageBuffer frame, out FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        NativeStatus.Check(NativeMethods.vm_capture_read(_handle, frame.Handle, out var raw, out int got));
        info = new FrameInfo(raw.Index, raw.TimestampMs, raw.Width, raw.Height);
        return got != 0;
    }

    public void Dispose() => _handle.Dispose();

    private static void CheckReadableFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, $"video source is a directory, not a file: {path}");
        }

        if (!System.IO.File.Exists(path))
        {
            throw new VisionException(VisionErrorKind.NotFound, $"video file not found: {path} (check the path)");
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new VisionException(VisionErrorKind.OpenFailed, $"video file is empty (0 bytes): {path}");
        }
    }

    private static string DescribeOpenFailure(VideoSource source, CaptureOptions options) => source.Kind switch
    {
        VideoSourceKind.File =>
            $"cannot decode {source.Location} as video: not a video file, or its codec is not supported by OpenCV's {Describe(options.Backend)} backend",
        VideoSourceKind.Device =>
            $"cannot open camera {source.Location}: check that the device exists and is not in use (ls /dev/video*)",
        _ =>
            $"cannot open stream {source.DisplayName}{(options.OpenTimeout is { } t ? $" within {t.TotalSeconds:0.#} s" : string.Empty)}: check the address, port and credentials, and that the server is running",
    };

    private static string Describe(VideoBackend backend) => backend == VideoBackend.Auto ? "FFmpeg/GStreamer" : backend.ToString();

    private static int ToMilliseconds(TimeSpan? value) =>
        value is { } t && t > TimeSpan.Zero ? (int)Math.Min(int.MaxValue, t.TotalMilliseconds) : 0;

    private static string FourccToString(int fourcc)
    {
        if (fourcc == 0)
        {
            return string.Empty;
        }

        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            char c = (char)((fourcc >> (8 * i)) & 0xFF);
            chars[i] = char.IsAsciiLetterOrDigit(c) || c == ' ' ? c : '?';
        }

        return new string(chars).TrimEnd();
    }
}
