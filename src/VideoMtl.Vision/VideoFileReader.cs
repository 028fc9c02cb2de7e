using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>
/// Reads the frames of a video file through OpenCvSharp's <see cref="VideoCapture"/> (its bundled FFmpeg).
/// Not thread-safe: one reader per file (the pipeline gives each source its own task).
/// </summary>
public sealed class VideoFileReader : IFrameReader
{
    private readonly VideoCapture _capture;
    private long _framesRead; // our own count: containers disagree on what POS_FRAMES means after a seek or error

    private VideoFileReader(VideoCapture capture, string path, VideoStreamInfo info)
    {
        _capture = capture;
        Path = path;
        Info = info;
    }

    public string Path { get; }

    public VideoStreamInfo Info { get; }

    public static VideoFileReader Open(string path)
    {
        CheckReadableFile(path);
        var capture = new VideoCapture();
        try
        {
            if (!capture.Open(path, VideoCaptureAPIs.FFMPEG) || !capture.IsOpened())
            {
                throw new VisionException(
                    VisionErrorKind.OpenFailed, $"cannot decode {path} as video: not a video file, or its codec is not supported by OpenCV's FFmpeg");
            }

            double fps = capture.Fps;
            long count = capture.FrameCount;
            var info = new VideoStreamInfo(
                capture.FrameWidth,
                capture.FrameHeight,
                double.IsFinite(fps) && fps is > 0 and < 1000 ? fps : 0,
                count > 0 ? count : null,
                capture.GetBackendName(),
                Printable(capture.FourCC));
            return new VideoFileReader(capture, path, info);
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the next frame into <paramref name="frame"/> (its buffer is reused when the size matches).
    /// Returns false at the end of the file; the Mat may then be empty, so keep no pixels across a failed read.
    /// </summary>
    public bool Read(Mat frame, out FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!_capture.Read(frame) || frame.Empty())
        {
            info = new FrameInfo(-1, -1, 0, 0);
            return false;
        }

        double ms = _capture.PosMsec;
        info = new FrameInfo(_framesRead++, double.IsFinite(ms) && ms >= 0 ? ms : -1, frame.Cols, frame.Rows);
        return true;
    }

    /// <summary>
    /// Passes over the next <paramref name="count"/> frames (decoded, not converted or copied), to continue a
    /// file at an exact frame: a seek would land on a key frame. Returns how many there were (fewer at the end).
    /// </summary>
    public long Skip(long count, CancellationToken cancellation = default)
    {
        long skipped = 0;
        while (skipped < count && !cancellation.IsCancellationRequested && _capture.Grab())
        {
            skipped++;
            _framesRead++;
        }

        return skipped;
    }

    public void Dispose() => _capture.Dispose();

    private static void CheckReadableFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, $"video source is a directory, not a file: {path}");
        }

        if (!File.Exists(path))
        {
            throw new VisionException(VisionErrorKind.NotFound, $"video file not found: {path} (check the path)");
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new VisionException(VisionErrorKind.OpenFailed, $"video file is empty (0 bytes): {path}");
        }
    }

    /// <summary>The codec's four characters as text; blank for none, '?' for bytes that are not printable.</summary>
    private static string Printable(string? fourcc)
    {
        if (string.IsNullOrEmpty(fourcc) || fourcc.All(c => c == '\0'))
        {
            return string.Empty;
        }

        return new string(fourcc.Select(c => char.IsAsciiLetterOrDigit(c) || c == ' ' ? c : '?').ToArray()).TrimEnd();
    }
}
