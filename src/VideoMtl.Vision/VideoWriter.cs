using System.Text;
using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>
/// Writes BGR frames to a video file through OpenCV. H.264 goes through OpenCV's GStreamer backend with
/// x264 at a chosen speed preset when GStreamer's x264enc is installed (OpenCV 4.6's FFmpeg writer cannot
/// be given a preset and always pays for "medium"), else through the FFmpeg backend; mp4v is the last
/// resort. Disposing finalizes the file (an mp4 is only playable after that), so always dispose, also on
/// cancellation.
/// </summary>
public sealed unsafe class VideoWriter : IDisposable
{
    private readonly WriterSafeHandle _handle;

    /// <summary>The x264 presets, fastest first; <see cref="FfmpegPreset"/> instead means FFmpeg's own H.264 writer.</summary>
    public static readonly IReadOnlyList<string> X264Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>The preset value that skips GStreamer and writes through OpenCV's FFmpeg backend.</summary>
    public const string FfmpegPreset = "ffmpeg";

    /// <summary>The preset used when none is given (also the native shim's default).</summary>
    public const string DefaultPreset = "veryfast";

    /// <summary>Whether <paramref name="preset"/> is one of <see cref="X264Presets"/> or <see cref="FfmpegPreset"/>.</summary>
    public static bool IsKnownPreset(string preset) => preset == FfmpegPreset || X264Presets.Contains(preset);

    private VideoWriter(WriterSafeHandle handle, string path, string codec, string encoder, int width, int height)
    {
        _handle = handle;
        Path = path;
        Codec = codec;
        Encoder = encoder;
        Width = width;
        Height = height;
    }

    public string Path { get; }

    /// <summary>The fourcc of the stream written: "avc1" (H.264, through either backend) or "mp4v".</summary>
    public string Codec { get; }

    /// <summary>What encodes, for logs: e.g. "H.264, x264 veryfast through GStreamer" or "H.264 through FFmpeg".</summary>
    public string Encoder { get; }

    public int Width { get; }

    public int Height { get; }

    public long FramesWritten { get; private set; }

    /// <param name="fourcc">Four characters (FFmpeg backend), or null to pick H.264 and fall back to mp4v.</param>
    /// <param name="preset">An x264 preset from <see cref="X264Presets"/> (null: <see cref="DefaultPreset"/>), or <see cref="FfmpegPreset"/>.</param>
    public static VideoWriter Open(string path, int width, int height, double fps, string? fourcc = null, string? preset = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (preset is not null && !IsKnownPreset(preset))
        {
            throw new ArgumentException($"unknown video preset '{preset}': use one of {string.Join(", ", X264Presets)} or {FfmpegPreset}", nameof(preset));
        }

        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new VisionException(VisionErrorKind.NotFound, $"output folder does not exist: {directory} (create it first)");
        }

        byte[] pathBytes = Encoding.UTF8.GetBytes(path + "\0");
        byte[]? fourccBytes = fourcc is null ? null : Encoding.ASCII.GetBytes(fourcc + "\0");
        byte[]? presetBytes = preset is null ? null : Encoding.ASCII.GetBytes(preset + "\0");
        const int EncoderCapacity = 96;
        byte* used = stackalloc byte[8];
        byte* encoder = stackalloc byte[EncoderCapacity];
        int status;
        WriterSafeHandle handle;
        fixed (byte* p = pathBytes)
        fixed (byte* f = fourccBytes)
        fixed (byte* s = presetBytes)
        {
            var options = new VmWriterOptions { Path = p, Fourcc = f, Preset = s, Fps = fps, Width = width, Height = height, IsColor = 1 };
            status = NativeMethods.vm_writer_open(options, out handle, used, encoder, EncoderCapacity);
        }

        if (status != NativeStatus.Ok)
        {
            handle.Dispose();
            var failure = NativeStatus.Failure(status);
            throw failure.Kind == VisionErrorKind.OpenFailed
                ? new VisionException(failure.Kind, $"cannot write video {path} ({width}x{height}, {fps:0.##} fps): check that the folder is writable and has space")
                : failure;
        }

        return new VideoWriter(handle, path, new string((sbyte*)used), new string((sbyte*)encoder), width, height);
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
