using Microsoft.Extensions.Logging;
using VideoMtl.Pipeline.Stages;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// <c>OUT/&lt;stream&gt;.mp4</c>: the annotated frames, H.264 when FFmpeg can encode it (else mp4v), at the
/// stream's own frame rate. <see cref="Complete"/> finalizes every file (an mp4 is playable only then).
/// </summary>
public sealed class VideoFileSink(string directory, ILogger logger) : IFrameSink
{
    private readonly Dictionary<StreamState, VideoWriter> _writers = [];

    public string Name => "video";

    public bool NeedsPixels => true;

    public void Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!_writers.TryGetValue(packet.Stream, out var writer))
        {
            double fps = packet.Stream.Fps is > 0 and < 240 ? packet.Stream.Fps : 25;
            string path = Path.Combine(directory, packet.Stream.Name + ".mp4");
            writer = VideoWriter.Open(path, packet.Image.Width, packet.Image.Height, fps);
            logger.LogInformation("{Stream}: writing {Path} ({Codec}, {Fps:0.##} fps)", packet.Stream.Name, path, writer.Codec, fps);
            _writers[packet.Stream] = writer;
        }

        writer.Write(packet.Image);
    }

    public void Complete()
    {
        foreach (var writer in _writers.Values)
        {
            writer.Dispose();
        }

        _writers.Clear();
    }

    public void Dispose() => Complete();
}
