using System.Threading.Channels;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Tells the batcher that some stream has a frame for it (or has ended), so it waits on one signal instead of
/// one per stream. Rings coalesce: a ring while one is pending is dropped, which is all a waiter needs, since
/// it looks at every stream once woken. A ring never blocks and, once the channel exists, never allocates.
/// </summary>
internal sealed class BatchDoorbell
{
    private readonly Channel<bool> _rings = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Ring() => _rings.Writer.TryWrite(true);

    /// <summary>Forgets a pending ring. Called before looking at the streams: whatever arrives after the look rings again.</summary>
    public void Clear()
    {
        while (_rings.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Completes when a ring is pending (at once if one already is).</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellation) => _rings.Reader.WaitToReadAsync(cancellation);
}
