namespace VideoMtl.Cli.Http;

/// <summary>
/// The deadline of each send to one viewer (<c>Http:ViewerStallSeconds</c>): a client that stops reading fills its
/// socket and Kestrel's response buffer, the send waits, and the deadline cancels it so the viewer can be dropped
/// (counted as stalled) instead of holding a frame and a connection for ever. One per viewer connection; the
/// deadline runs only while a send is in progress, never while the viewer waits for the next frame.
/// </summary>
internal sealed class StallGuard : IDisposable
{
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationToken _ended;
    private readonly TimeSpan _timeout;

    /// <param name="ended">Cancelled when the viewer goes or the server stops: that ends a send too, but is not a stall.</param>
    public StallGuard(TimeSpan timeout, CancellationToken ended)
    {
        _timeout = timeout;
        _ended = ended;
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(ended);
    }

    /// <summary>True once a send missed its deadline while the viewer and the server were still there.</summary>
    public bool Stalled => _deadline.IsCancellationRequested && !_ended.IsCancellationRequested;

    /// <summary>Starts the deadline for one send (its writes and flush); the token is cancelled when it passes.</summary>
    public CancellationToken Begin()
    {
        _deadline.CancelAfter(_timeout);
        return _deadline.Token;
    }

    /// <summary>The send is done: no deadline while waiting for the next one.</summary>
    public void End() => _deadline.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose() => _deadline.Dispose();
}
