using OpenCvSharp;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Model;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Stages;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Preview;

/// <summary>
/// Live preview: the annotated frame of each stream as JPEG, for <c>/streams/{id}/mjpeg</c> and
/// <c>/streams/{id}/snapshot.jpg</c>. Encodes a frame only while a client watches or when a snapshot is
/// asked for, so frames nobody sees cost nothing. A view with its own overlays (boxes only, no masks…) is a
/// feed of its own, drawn here on the frame as captured; each feed is encoded once per frame however many
/// watch it, and only while someone does.
/// </summary>
public sealed class PreviewSink : IFrameSink
{
    private readonly Dictionary<string, StreamFeeds> _streams;
    private readonly JpegEncoder _encoder;
    // Touched only on the sink's own thread (Write): the overlay chains by set, and the picture one is drawn on.
    private readonly Dictionary<OverlaySet, AnnotatorChain> _chains = [];
    private readonly Mat _canvas = new();
    private ModelDescription? _model;

    public PreviewSink(IEnumerable<string> streamNames, int quality = 80)
    {
        ArgumentNullException.ThrowIfNull(streamNames);
        _streams = streamNames.ToDictionary(n => n, n => new StreamFeeds(n), StringComparer.Ordinal);
        _encoder = new JpegEncoder(quality);
    }

    public string Name => "preview";

    public bool NeedsPixels => true;

    /// <summary>The preview of a stream by its name, with every overlay; false for a name the run does not have.</summary>
    public bool TryGetStream(string name, out PreviewFeed stream) => TryGetStream(name, OverlaySet.All, out stream);

    /// <summary>The preview of a stream drawn with <paramref name="overlays"/> (made on first use); false for a name the run does not have.</summary>
    public bool TryGetStream(string name, OverlaySet overlays, out PreviewFeed stream)
    {
        if (_streams.TryGetValue(name, out var feeds))
        {
            stream = feeds.Get(overlays);
            return true;
        }

        stream = null!;
        return false;
    }

    /// <summary>The streams it previews, by name.</summary>
    public IEnumerable<string> StreamNames => _streams.Keys;

    public void Start(ModelDescription model) => _model = model;

    public bool WantsCleanPixels(StreamState stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return _streams.TryGetValue(stream.Name, out var feeds) && feeds.WantsCustomOverlays;
    }

    public bool Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!_streams.TryGetValue(packet.Stream.Name, out var feeds))
        {
            return false;
        }

        bool encoded = false;
        for (int slot = 0; slot < StreamFeeds.Slots; slot++)
        {
            if (feeds[slot] is not { WantsFrame: true } feed)
            {
                continue;
            }

            if (feed.Overlays == OverlaySet.All)
            {
                // Each encoding is a new array: it is published as it is and shared by every client.
                feed.Publish(packet.FrameIndex, _encoder.Encode(packet.Image));
                encoded = true;
            }
            else if (packet.HasCleanImage && _model is not null)
            {
                // A viewer that arrived after this frame left postprocess has no clean copy yet: it gets the next one.
                packet.CleanImage.CopyTo(_canvas);
                if (!_chains.TryGetValue(feed.Overlays, out var chain))
                {
                    _chains[feed.Overlays] = chain = AnnotatorChain.For(feed.Overlays);
                }

                chain.Annotate(_canvas, packet.Detections, _model);
                feed.Publish(packet.FrameIndex, _encoder.Encode(_canvas));
                encoded = true;
            }
        }

        return encoded;
    }

    public void Complete()
    {
        foreach (var feeds in _streams.Values)
        {
            feeds.Complete();
        }
    }

    public void Dispose()
    {
        Complete();
        _canvas.Dispose();
    }

    /// <summary>
    /// One stream's feeds, one per overlay set, made when a client first asks for that set (HTTP threads) and
    /// read by the sink thread: a slot is filled once with a compare-exchange and never emptied.
    /// </summary>
    private sealed class StreamFeeds(string name)
    {
        public const int Slots = (int)OverlaySet.All + 1;
        private readonly PreviewFeed?[] _feeds = new PreviewFeed?[Slots];
        private volatile bool _completed;

        /// <summary>The feed of the overlay set numbered <paramref name="slot"/>, or null while nobody asked for it.</summary>
        public PreviewFeed? this[int slot] => Volatile.Read(ref _feeds[slot]);

        public PreviewFeed Get(OverlaySet overlays)
        {
            int slot = (int)(overlays & OverlaySet.All);
            if (Volatile.Read(ref _feeds[slot]) is { } existing)
            {
                return existing;
            }

            var made = new PreviewFeed(name, (OverlaySet)slot);
            var feed = Interlocked.CompareExchange(ref _feeds[slot], made, null) ?? made;
            if (_completed)
            {
                feed.Complete(); // asked for after the run ended: it ends at once, like the others did
            }

            return feed;
        }

        /// <summary>Whether a feed with other overlays than all of them is watched (then the frame is kept as captured).</summary>
        public bool WantsCustomOverlays
        {
            get
            {
                for (int i = 0; i < (int)OverlaySet.All; i++)
                {
                    if (Volatile.Read(ref _feeds[i]) is { WantsFrame: true })
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        public void Complete()
        {
            _completed = true;
            for (int slot = 0; slot < Slots; slot++)
            {
                this[slot]?.Complete();
            }
        }
    }
}
