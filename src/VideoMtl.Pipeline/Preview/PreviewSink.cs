using System.Diagnostics;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Stages;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Preview;

/// <summary>
/// Live preview: the annotated frame of each stream as JPEG, for <c>/streams/{id}/mjpeg</c> and
/// <c>/streams/{id}/snapshot.jpg</c>. Encodes every frame only while a client watches; otherwise about
/// once a second, so snapshots stay fresh without paying for frames nobody sees.
/// </summary>
public sealed class PreviewSink : IFrameSink
{
    private readonly Dictionary<string, PreviewFeed> _streams;
    private readonly JpegEncoder _encoder;
    private readonly TimeSpan _idleInterval;

    public PreviewSink(IEnumerable<string> streamNames, int quality = 80, TimeSpan? idleInterval = null)
    {
        ArgumentNullException.ThrowIfNull(streamNames);
        _streams = streamNames.ToDictionary(n => n, n => new PreviewFeed(n), StringComparer.Ordinal);
        _encoder = new JpegEncoder(quality);
        _idleInterval = idleInterval ?? TimeSpan.FromSeconds(1);
    }

    public string Name => "preview";

    public bool NeedsPixels => true;

    /// <summary>The preview of a stream by its name; false for a name the run does not have.</summary>
    public bool TryGetStream(string name, out PreviewFeed stream) => _streams.TryGetValue(name, out stream!);

    public void Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!_streams.TryGetValue(packet.Stream.Name, out var stream))
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        if (stream.WantsFrame(now, _idleInterval))
        {
            // The encoder's buffer is reused; the published copy is what clients share.
            stream.Publish(packet.FrameIndex, _encoder.Encode(packet.Image).ToArray(), now);
        }
    }

    public void Complete()
    {
        foreach (var stream in _streams.Values)
        {
            stream.Complete();
        }
    }

    public void Dispose() => Complete();
}
