using OpenCvSharp;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VideoMtl.Media;
using VideoMtl.Pipeline.Stages;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// <c>OUT/&lt;stream&gt;.mp4</c>: the annotated frames, H.264 (x264 at the given preset) in a fragmented mp4
/// written by one ffmpeg child process per stream (<see cref="FfmpegVideoWriter"/>): playable up to the last
/// fragment even if the run or the encoder is killed.
/// A file stream is written frame for frame at its own rate. A live stream is written on a wall-clock
/// timeline: cameras often advertise a rate they do not deliver, and frames are dropped when inference is
/// behind, so each frame is repeated until the next one is due and the video plays at real speed.
/// Image sets are written as annotated images, <c>OUT/&lt;stream&gt;/&lt;file&gt;</c>.
/// <see cref="Complete"/> finalizes every file (an mp4 is playable only then).
/// </summary>
public sealed class VideoFileSink(string directory, ILogger logger, string? preset = null) : IFrameSink
{
    /// <summary>Longest gap (seconds) filled by repeating a frame; after a longer one (a reconnect) the timeline restarts.</summary>
    private const double MaxGapSeconds = 2;

    private readonly Dictionary<StreamState, Output> _outputs = [];

    public string Name => "video";

    public bool NeedsPixels => true;

    public bool Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.SourceFile is { } file)
        {
            string folder = Path.Combine(directory, packet.Stream.Name);
            Directory.CreateDirectory(folder);
            ImageFile.Write(packet.Image, Path.Combine(folder, Path.GetFileName(file)));
            return true;
        }

        if (!_outputs.TryGetValue(packet.Stream, out var output))
        {
            double fps = packet.Stream.Fps is > 0 and < 240 ? packet.Stream.Fps : 25;
            if (packet.Stream.IsLive)
            {
                // Every written frame costs an encode: no point in a timeline finer than 30 slots a second.
                fps = Math.Min(fps, 30);
            }

            string path = Path.Combine(directory, packet.Stream.Name + ".mp4");
            // H.264 wants even sizes and encoders refuse tiny ones: such frames are fitted into the nearest
            // size that encodes (a 1×1 source becomes 16×16, 767×575 becomes 768×576).
            var writer = FfmpegVideoWriter.Open(path, Encodable(packet.Image.Width), Encodable(packet.Image.Height), fps, preset);
            logger.LogInformation("{Stream}: writing {Path} ({Codec}, {Fps:0.##} fps{Timeline})",
                packet.Stream.Name, path, writer.Encoder, fps, packet.Stream.IsLive ? ", real-time timeline" : string.Empty);
            output = new Output(writer, path, fps, packet.CapturedAt) { FirstWidth = packet.Image.Width, FirstHeight = packet.Image.Height };
            _outputs[packet.Stream] = output;
        }

        output.Watch.Check();
        var image = packet.Image;
        if (image.Width != output.Writer.Width || image.Height != output.Writer.Height)
        {
            // An mp4 has one frame size: a source that changes resolution (a camera reconfigured, a
            // reconnect to another profile) is scaled to fit the first size instead of ending the video.
            if (!output.SizeChangeLogged && (image.Width != output.FirstWidth || image.Height != output.FirstHeight))
            {
                logger.LogWarning("{Stream}: the source changed its frame size from {OldWidth}x{OldHeight} to {Width}x{Height}; the mp4 keeps the first size and scales frames to fit",
                    packet.Stream.Name, output.FirstWidth, output.FirstHeight, image.Width, image.Height);
                output.SizeChangeLogged = true;
            }

            image.FitInto(output.Scratch, output.Writer.Width, output.Writer.Height);
            image = output.Scratch;
        }

        int copies = 1;
        if (packet.Stream.IsLive)
        {
            long slot = (long)Math.Floor(Stopwatch.GetElapsedTime(output.Origin, packet.CapturedAt).TotalSeconds * output.Fps);
            long due = slot - output.Written + 1;
            if (due <= 0)
            {
                return false; // arrived faster than the timeline: the slot already has a frame
            }

            if (due > MaxGapSeconds * output.Fps)
            {
                output.Origin = packet.CapturedAt - (long)(output.Written / output.Fps * Stopwatch.Frequency);
                due = 1;
            }

            copies = (int)due;
        }

        for (int i = 0; i < copies; i++)
        {
            output.Writer.Write(image);
        }

        output.Written += copies;
        return true;
    }

    private static int Encodable(int size) => Math.Max(16, (size + 1) & ~1);

    public void Abandon(StreamState stream)
    {
        if (_outputs.Remove(stream, out var output))
        {
            try
            {
                output.Close(); // ends the encoder; the mp4 up to the failure stays playable
            }
            catch (IOException e)
            {
                logger.LogWarning("{Stream}: closing {Path} after the failure failed too: {Message}", stream.Name, output.Watch.Path, e.Message);
            }
        }
    }

    /// <summary>Closes every encoder (each gets its own chance); the first failure is rethrown once all are closed.</summary>
    public void Complete()
    {
        IOException? failure = null;
        foreach (var output in _outputs.Values)
        {
            try
            {
                output.Close();
            }
            catch (IOException e)
            {
                failure ??= e;
            }
        }

        _outputs.Clear();
        if (failure is not null)
        {
            throw failure;
        }
    }

    public void Dispose()
    {
        foreach (var output in _outputs.Values)
        {
            output.Dispose();
        }

        _outputs.Clear();
    }

    private sealed class Output(FfmpegVideoWriter writer, string path, double fps, long origin) : IDisposable
    {
        private Mat? _scratch;

        public FfmpegVideoWriter Writer { get; } = writer;

        public DeletedFileWatch Watch { get; } = new(path);

        public double Fps { get; } = fps;

        /// <summary>Stopwatch time of slot 0 of the live timeline.</summary>
        public long Origin { get; set; } = origin;

        public long Written { get; set; }

        public bool SizeChangeLogged { get; set; }

        /// <summary>The stream's first frame size (the writer's may be rounded to an encodable one).</summary>
        public int FirstWidth { get; init; }

        public int FirstHeight { get; init; }

        /// <summary>Where a frame of another size is scaled to the writer's size; made on first need.</summary>
        public Mat Scratch => _scratch ??= new Mat();

        /// <summary>Ends the encoder (throws <see cref="IOException"/> when it did not end cleanly).</summary>
        public void Close()
        {
            try
            {
                Writer.Close();
            }
            finally
            {
                _scratch?.Dispose();
            }
        }

        public void Dispose()
        {
            Writer.Dispose();
            _scratch?.Dispose();
        }
    }
}
