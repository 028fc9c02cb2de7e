using VideoMtl.Core.Annotation;

namespace VideoMtl.Pipeline.Preview;

/// <summary>
/// The latest preview frame of one stream, drawn with one set of overlays, and a signal for the next. Readers never hold the writer back:
/// a client that is slower than the stream simply skips to the newest frame when it is ready again.
/// </summary>
public sealed class PreviewFeed
{
    private readonly Lock _gate = new();
    private PreviewFrame? _latest;
    private TaskCompletionSource _next = NewSignal();
    private bool _completed;
    private int _viewers;
    private int _requested;

    internal PreviewFeed(string name, OverlaySet overlays)
    {
        Name = name;
        Overlays = overlays;
    }

    public string Name { get; }

    /// <summary>The overlays drawn on this feed's frames.</summary>
    public OverlaySet Overlays { get; }

    public PreviewFrame? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>Clients currently watching the MJPEG stream (then every frame is encoded).</summary>
    public int Viewers => Volatile.Read(ref _viewers);

    /// <summary>Registers a viewer until the returned object is disposed.</summary>
    public IDisposable Watch()
    {
        Interlocked.Increment(ref _viewers);
        return new Viewer(this);
    }

    /// <summary>
    /// The first frame newer than <paramref name="afterSequence"/>, waiting for it if needed; null once the
    /// stream has ended (the run is over) and nothing newer will come.
    /// </summary>
    public async Task<PreviewFrame?> NextAsync(long afterSequence, CancellationToken cancellation)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (_latest is not null && _latest.Sequence > afterSequence)
                {
                    return _latest;
                }

                if (_completed)
                {
                    return null;
                }

                signal = _next.Task;
            }

            await signal.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Asks for the next frame to be encoded even if nobody watches (a snapshot request).</summary>
    public void RequestFrame() => Volatile.Write(ref _requested, 1);

    /// <summary>Whether the sink should spend an encode on this frame: only while someone watches or has
    /// asked for a snapshot, so an unwatched preview costs nothing per frame.</summary>
    internal bool WantsFrame => Viewers > 0 || Volatile.Read(ref _requested) != 0;

    internal void Publish(long frameIndex, byte[] jpeg)
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _latest = new PreviewFrame((_latest?.Sequence ?? 0) + 1, frameIndex, jpeg);
            Volatile.Write(ref _requested, 0);
            released = _next;
            _next = NewSignal();
        }

        released.TrySetResult();
    }

    internal void Complete()
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _completed = true;
            released = _next;
        }

        released.TrySetResult();
    }

    // Continuations run on the pool, never inline inside the sink's Publish call.
    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Viewer(PreviewFeed stream) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref stream._viewers);
            }
        }
    }
}
