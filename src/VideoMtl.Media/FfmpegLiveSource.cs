using OpenCvSharp;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using VideoMtl.Vision;

namespace VideoMtl.Media;

/// <summary>
/// A live source (a V4L2 camera <c>/dev/videoN</c>, or a network stream: <c>rtsp://</c>, <c>http(s)://</c> MJPEG or HLS, <c>udp://</c>, ...) read by one ffmpeg
/// child process that decodes it and writes each frame to its stdout as an uncompressed 24-bit BMP: every
/// frame carries its own size, so no probe is needed before reading and a stream that changes resolution
/// goes on. RTSP runs over TCP unless asked otherwise; ffmpeg's own I/O timeout ends a silent connection,
/// and a watchdog here kills the process when no byte has arrived for the read timeout plus a margin (a
/// stuck decoder, a half-open socket), so <see cref="Read"/> never waits forever. One process per open: a
/// reconnect is a new process, and <see cref="Dispose"/> kills and reaps the old one.
/// </summary>
public sealed class FfmpegLiveSource : IFrameReader
{
    private const int BmpFileHeader = 14;
    private const int BmpInfoHeader = 40;

    private readonly FfmpegProcess _ffmpeg;
    private readonly Stream _stdout;
    private readonly Timer _watchdog;
    private readonly byte[] _header = new byte[BmpFileHeader + BmpInfoHeader];
    private byte[] _pixels = [];
    private long _lastByteAt;
    private long _stallLimitTicks; // Stopwatch ticks without a byte before the watchdog ends ffmpeg
    private long _index;
    private long _arrivedAt; // when the last byte of the frame most recently read came in
    private int _pendingFirst; // 1 while the frame read during Open has not been handed out
    private int _disposed;

    private FfmpegLiveSource(FfmpegProcess ffmpeg, TimeSpan stallLimit)
    {
        _ffmpeg = ffmpeg;
        _stdout = ffmpeg.Process.StandardOutput.BaseStream;
        SetStallLimit(stallLimit);
        _lastByteAt = Stopwatch.GetTimestamp();
        _watchdog = new Timer(static s => ((FfmpegLiveSource)s!).CheckStalled(), this, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    public VideoStreamInfo Info { get; private set; } = new(0, 0, 0, null, "ffmpeg", "rawvideo");

    /// <summary>The ffmpeg child's process id (tests kill it to check the reconnect).</summary>
    public int ProcessId => _ffmpeg.Process.Id;

    /// <summary>
    /// Starts ffmpeg on <paramref name="source"/> and returns once the first frame has arrived, so an open that
    /// succeeds delivers; throws <see cref="VisionException"/> (OpenFailed, with ffmpeg's reason) when none comes
    /// within the open timeout.
    /// </summary>
    /// <param name="cancellation">A stop while connecting ends ffmpeg at once and throws <see cref="OperationCanceledException"/>.</param>
    public static FfmpegLiveSource Open(VideoSource source, CaptureOptions options, Mat firstFrame, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(firstFrame);
        if (source.Kind == VideoSourceKind.Device && !File.Exists(source.Location))
        {
            throw new VisionException(VisionErrorKind.OpenFailed,
                $"cannot open camera {source.Location}: no such device; check that it exists and is not in use (ls /dev/video*)");
        }

        var openTimeout = options.OpenTimeout ?? TimeSpan.FromSeconds(10);
        var readTimeout = options.ReadTimeout ?? TimeSpan.FromSeconds(10);
        var ffmpeg = FfmpegProcess.Start(Arguments(source, options, readTimeout), $"read {source.DisplayName}", VideoSource.RedactCredentials);
        var reader = new FfmpegLiveSource(ffmpeg, openTimeout);
        try
        {
            bool got;
            using (cancellation.Register(static r => ((FfmpegLiveSource)r!).Abort(), reader))
            {
                got = reader.ReadFrame(firstFrame);
            }

            cancellation.ThrowIfCancellationRequested();
            if (!got)
            {
                string why = reader.Ended(openTimeout);
                throw new VisionException(VisionErrorKind.OpenFailed, $"cannot open {source.DisplayName}: {why}");
            }

            reader._pendingFirst = 1;
            reader.Info = new VideoStreamInfo(firstFrame.Width, firstFrame.Height, 0, null, "ffmpeg", "bmp");
            reader.SetStallLimit(readTimeout + TimeSpan.FromSeconds(2)); // ffmpeg's own timeout first, this one behind it
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public bool Read(Mat frame, out FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _pendingFirst, 0) == 1)
        {
            // The frame Open read went into the caller's buffer then; hand out its facts once.
            info = new FrameInfo(_index++, -1, Info.Width, Info.Height, _arrivedAt);
            return true;
        }

        if (!ReadFrame(frame))
        {
            info = new FrameInfo(-1, -1, 0, 0);
            return false;
        }

        info = new FrameInfo(_index++, -1, frame.Width, frame.Height, _arrivedAt);
        return true;
    }

    /// <summary>Ends ffmpeg now (from any thread): a read waiting on it returns false at once. Dispose still follows.</summary>
    public void Abort() => _ffmpeg.Kill();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watchdog.Dispose();
        _ffmpeg.Dispose();
    }

    private static IEnumerable<string> Arguments(VideoSource source, CaptureOptions options, TimeSpan readTimeout)
    {
        string micros = ((long)readTimeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        yield return "-hide_banner";
        yield return "-nostdin";
        yield return "-loglevel";
        yield return "error";
        // A fast open: a second of analysis is enough to find a video stream's size and codec.
        yield return "-analyzeduration";
        yield return "1000000";
        yield return "-probesize";
        yield return "1000000";
        // No frame-rate probe: frames are read as they come (a live source reports 0 fps), and probing the rate
        // waited for about two seconds of frames first (measured on the test RTSP server: opens took 2.3-2.6 s
        // with it, 0.5-0.6 s without).
        yield return "-fpsprobesize";
        yield return "0";
        yield return "-fflags";
        yield return "nobuffer";
        string scheme = source.Location.Split("://", 2)[0].ToLowerInvariant();
        if (source.Kind == VideoSourceKind.Device)
        {
            yield return "-f"; // a V4L2 camera: no protocol I/O timeout applies, the watchdog covers a stall
            yield return "v4l2";
        }
        else if (scheme is "rtsp" or "rtsps")
        {
            yield return "-rtsp_transport";
            yield return options.RtspTransport == RtspTransport.Udp ? "udp" : "tcp";
            yield return "-timeout"; // the RTSP demuxer's socket I/O timeout
            yield return micros;
        }
        else
        {
            yield return "-rw_timeout";
            yield return micros;
        }

        yield return "-i";
        yield return source.Location;
        yield return "-map";
        yield return "0:v:0";
        yield return "-an";
        // Every decoded frame once, as it comes: image2pipe would otherwise make a constant-rate stream, and a
        // live source has no reliable rate (none is probed: -fpsprobesize 0), so ffmpeg duplicated frames by
        // the thousand per second (measured: 27,001 frames in 5 s from a 10 fps camera; 48 with passthrough).
        yield return "-fps_mode";
        yield return "passthrough";
        yield return "-f";
        yield return "image2pipe";
        yield return "-c:v";
        yield return "bmp";
        yield return "-pix_fmt";
        yield return "bgr24";
        yield return "pipe:1";
    }

    /// <summary>Reads one BMP from the pipe into <paramref name="frame"/>; false at the end of the stream.</summary>
    private bool ReadFrame(Mat frame)
    {
        if (!ReadExactly(_header))
        {
            return false;
        }

        var h = _header.AsSpan();
        if (h[0] != (byte)'B' || h[1] != (byte)'M')
        {
            throw new VisionException(VisionErrorKind.OpenCv, "ffmpeg's frame pipe is out of step (no BMP header)");
        }

        int fileSize = BinaryPrimitives.ReadInt32LittleEndian(h[2..]);
        int offset = BinaryPrimitives.ReadInt32LittleEndian(h[10..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(h[18..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(h[22..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
        bool bottomUp = height > 0;
        height = Math.Abs(height);
        int stride = ((width * 3) + 3) & ~3;
        if (bits != 24 || width <= 0 || height <= 0 || offset < _header.Length || fileSize < offset + (stride * height))
        {
            throw new VisionException(VisionErrorKind.OpenCv, $"ffmpeg sent a frame this reader does not take ({width}x{height}, {bits} bits)");
        }

        int rest = fileSize - _header.Length;
        if (_pixels.Length < rest)
        {
            _pixels = new byte[rest];
        }

        if (!ReadExactly(_pixels.AsSpan(0, rest)))
        {
            return false;
        }

        _arrivedAt = Stopwatch.GetTimestamp();

        frame.EnsureBgr(width, height);
        var data = _pixels.AsSpan(offset - _header.Length);
        var pixels = frame.Pixels();
        int row = width * 3;
        for (int y = 0; y < height; y++)
        {
            // BMP rows run bottom to top (unless the height is negative) and are padded to 4 bytes.
            int source = (bottomUp ? height - 1 - y : y) * stride;
            data.Slice(source, row).CopyTo(pixels.Slice(y * row, row));
        }

        return true;
    }

    private bool ReadExactly(Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n;
            try
            {
                n = _stdout.Read(buffer[done..]);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return false; // the watchdog ended ffmpeg, or the pipe broke: the stream ended
            }

            if (n == 0)
            {
                return false;
            }

            done += n;
            Volatile.Write(ref _lastByteAt, Stopwatch.GetTimestamp());
        }

        return true;
    }

    /// <summary>Until the first frame the limit is the open timeout (probing takes a while), then the read timeout.</summary>
    private void SetStallLimit(TimeSpan limit) => Volatile.Write(ref _stallLimitTicks, (long)(limit.TotalSeconds * Stopwatch.Frequency));

    private void CheckStalled()
    {
        if (Volatile.Read(ref _disposed) == 0 && Stopwatch.GetTimestamp() - Volatile.Read(ref _lastByteAt) > Volatile.Read(ref _stallLimitTicks))
        {
            _ffmpeg.Kill(); // its stdout closes: the blocked read returns "ended"
        }
    }

    /// <summary>Why no frame came: ffmpeg's last words, or the timeout.</summary>
    private string Ended(TimeSpan openTimeout)
    {
        _ffmpeg.WaitForExit(TimeSpan.FromSeconds(2));
        string tail = _ffmpeg.Tail;
        return tail.Length > 0
            ? tail
            : string.Create(CultureInfo.InvariantCulture, $"no frame within {openTimeout.TotalSeconds:0.#} s");
    }
}
