using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Stages;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Preview;

/// <summary>
/// Live preview: the annotated frame of each stream as JPEG, for <c>/streams/{id}/mjpeg</c> and
/// <c>/streams/{id}/snapshot.jpg</c>. Encodes a frame only while a client watches or when a snapshot is
/// asked for, so frames nobody sees cost nothing.
/// </summary>
public sealed class PreviewSink : IFrameSink
{
    private readonly Dictionary<string, PreviewFeed> _streams;
    private readonly JpegEncoder _encoder;

    public PreviewSink(IEnumerable<string> streamNames, int quality = 80)
    {
        ArgumentNullException.ThrowIfNull(streamNames);
        _streams = streamNames.ToDictionary(n => n, n => new PreviewFeed(n), StringComparer.Ordinal);
        _encoder = new JpegEncoder(quality);
    }

    public string Name => "preview";

    public bool NeedsPixels => true;

    /// <summary>The preview of a stream by its name; false for a name the run does not have.</summary>
    public bool TryGetStream(string name, out PreviewFeed stream) => _streams.TryGetValue(name, out stream!);

    /// <summary>The streams it previews, by name.</summary>
    public IEnumerable<string> StreamNames => _streams.Keys;

    public bool Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!_streams.TryGetValue(packet.Stream.Name, out var stream))
        {
            return false;
        }

        if (!stream.WantsFrame)
        {
            return false;
        }

        // Each encoding is a new array: it is published as it is and shared by every client.
        stream.Publish(packet.FrameIndex, _encoder.Encode(packet.Image));
        return true;
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
