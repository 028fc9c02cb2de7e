namespace VideoMtl.Pipeline.Ownership;

/// <summary>
/// Decides which instance captures a stream when several share the same list of streams (a cluster). Without
/// one, every stream of a run is captured by it. With one, a stream's capture waits for a lease before it
/// opens the source, and closes the source as soon as the lease is revoked, so that a stream is never read by
/// two instances at the same time.
/// </summary>
public interface IStreamOwnership
{
    /// <summary>
    /// Waits until this instance may capture <paramref name="stream"/>. Called from the stream's capture
    /// thread, which blocks on the result (capture has a thread of its own).
    /// </summary>
    /// <exception cref="OperationCanceledException">The run stopped first.</exception>
    Task<IStreamLease> AcquireAsync(string stream, CancellationToken cancellation);
}
