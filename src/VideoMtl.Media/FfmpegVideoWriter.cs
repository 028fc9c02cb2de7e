using OpenCvSharp;
using System.Globalization;
using VideoMtl.Vision;

namespace VideoMtl.Media;

/// <summary>
/// Writes BGR frames as H.264 (x264 at a chosen preset, or NVENC) into a <b>fragmented</b> mp4 through one ffmpeg child
/// process fed raw frames on its stdin. Fragmented, with a keyframe every two seconds, so the file is
/// playable up to the last fragment even when this process or ffmpeg is killed; no index is written at the
/// end. Lifetime: ffmpeg ends when its stdin closes, which <see cref="Dispose"/> does (and the kernel does if
/// this process dies), then it gets <see cref="CloseTimeout"/> to finish the file before it is killed: the
/// child is never waited on forever and never outlives the writer.
/// </summary>
public sealed class FfmpegVideoWriter : IDisposable
{
    /// <summary>How long ffmpeg may take to encode what is buffered and close the file.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(20);

    private readonly FfmpegProcess _ffmpeg;
    private readonly Stream _stdin;
    private bool _closed;

    private FfmpegVideoWriter(FfmpegProcess ffmpeg, string path, string encoder, int width, int height)
    {
        _ffmpeg = ffmpeg;
        _stdin = ffmpeg.Process.StandardInput.BaseStream;
        Path = path;
        Width = width;
        Height = height;
        Encoder = encoder;
    }

    public string Path { get; }

    /// <summary>What encodes, for logs.</summary>
    public string Encoder { get; }

    /// <summary>The fourcc of the stream written (always H.264).</summary>
    public string Codec => "avc1";

    public int Width { get; }

    public int Height { get; }

    public long FramesWritten { get; private set; }

    /// <summary>The ffmpeg child's process id (tests kill it to check that the file survives).</summary>
    public int ProcessId => _ffmpeg.Process.Id;

    /// <param name="preset">One of <see cref="VideoPresets.X264"/>, <see cref="VideoPresets.Nvenc"/> or <see cref="VideoPresets.LegacyFfmpeg"/> (null: <see cref="VideoPresets.Default"/>).</param>
    public static FfmpegVideoWriter Open(string path, int width, int height, double fps, string? preset = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        preset ??= VideoPresets.Default;
        if (!VideoPresets.IsKnown(preset))
        {
            throw new ArgumentException($"unknown video preset '{preset}': use one of {VideoPresets.Listing}", nameof(preset));
        }

        if (width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"H.264 needs an even frame size of at least 16x16, not {width}x{height}");
        }

        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new VisionException(VisionErrorKind.NotFound, $"output folder does not exist: {directory} (create it first)");
        }

        bool nvenc = preset == VideoPresets.Nvenc;
        if (nvenc && !NvidiaDriverPresent())
        {
            throw new VisionException(VisionErrorKind.OpenFailed,
                $"--video-preset {VideoPresets.Nvenc} needs an NVIDIA GPU with its driver (libcuda.so.1 not found) to write {path}: use an x264 preset such as {VideoPresets.Default}");
        }

        string encoderPreset = nvenc ? "p4" : VideoPresets.ToX264(preset);
        string[] codec = nvenc
            // NVENC: constant quality 23 (variable bitrate with no cap), its balanced preset; the GPU encodes, so no CPU threads to limit.
            ? ["-c:v", "h264_nvenc", "-preset", encoderPreset, "-rc", "vbr", "-cq", "23", "-b:v", "0"]
            // One encoder thread per stream: several streams already keep the cores busy, and frame threads
            // would only contend with inference (measured: about 8% less CPU for the same file).
            : ["-c:v", "libx264", "-preset", encoderPreset, "-crf", "23", "-threads", "1"];
        string rate = fps.ToString("0.###", CultureInfo.InvariantCulture);
        int gop = Math.Max(1, (int)Math.Round(fps * 2));
        string[] arguments =
        [
            "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", $"{width}x{height}", "-framerate", rate, "-i", "pipe:0",
            .. codec, "-pix_fmt", "yuv420p", "-g", gop.ToString(CultureInfo.InvariantCulture),
            // Each fragment goes to the file as soon as it is complete (-flush_packets 1): without it the muxer's
            // 32 KB buffer could hold several seconds of a small video back from the disk when a kill comes.
            "-flush_packets", "1", "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", path,
        ];
        var ffmpeg = FfmpegProcess.Start(arguments, $"write {path}");
        ffmpeg.Process.StandardOutput.Close(); // it writes nothing there; never let a full pipe block it
        return new FfmpegVideoWriter(ffmpeg, path, $"H.264, {(nvenc ? "NVENC" : "x264")} {encoderPreset} through ffmpeg (fragmented mp4)", width, height);
    }

    /// <summary>NVENC runs through the driver's libcuda.so.1; without it ffmpeg would fail only at the first frame.</summary>
    private static bool NvidiaDriverPresent()
    {
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out nint handle))
        {
            return false;
        }

        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return true;
    }

    public void Write(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_closed, this);
        if (frame.Cols != Width || frame.Rows != Height || frame.Type() != MatType.CV_8UC3)
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, $"frame is {frame.Cols}x{frame.Rows} {frame.Type()}, but {Path} is written at {Width}x{Height} BGR");
        }

        try
        {
            // A continuous BGR Mat is exactly ffmpeg's rawvideo bgr24 frame: its bytes go down the pipe as they are.
            _stdin.Write(frame.Pixels());
        }
        catch (IOException e)
        {
            // The encoder is gone (killed, out of disk): the file holds every fragment finished before that.
            throw new IOException($"the ffmpeg encoder of {Path} stopped ({Describe()}): {e.Message}", e);
        }

        FramesWritten++;
    }

    /// <summary>Closes ffmpeg's input and waits for it to finish the file; throws when it did not end cleanly.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            _stdin.Dispose(); // EOF: ffmpeg encodes what it holds, writes the last fragment and exits
        }
        catch (IOException)
        {
            // already gone: its exit code tells below
        }

        bool exited = _ffmpeg.WaitForExit(CloseTimeout);
        _ffmpeg.Kill(); // reaps it; kills it first only when it did not finish in time
        int code = _ffmpeg.Process.ExitCode;
        string tail = _ffmpeg.Tail;
        _ffmpeg.Dispose();
        if (!exited)
        {
            throw new IOException($"the ffmpeg encoder of {Path} did not finish within {CloseTimeout.TotalSeconds:0} s and was killed; the file holds the fragments written before");
        }

        if (code != 0)
        {
            throw new IOException($"the ffmpeg encoder of {Path} failed (exit {code}): {tail}");
        }
    }

    /// <summary>As <see cref="Close"/>, but never throws (the child is still always ended).</summary>
    public void Dispose()
    {
        try
        {
            Close();
        }
        catch (IOException)
        {
            // Dispose runs on error paths too; a failing encoder has been reported through Write or Close.
        }
    }

    private string Describe()
    {
        try
        {
            var process = _ffmpeg.Process;
            return process.HasExited ? $"exit {process.ExitCode}{(_ffmpeg.Tail is { Length: > 0 } tail ? ": " + tail : string.Empty)}" : "still running";
        }
        catch (InvalidOperationException)
        {
            return "unknown state";
        }
    }
}
