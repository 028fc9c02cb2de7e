using VideoMtl.Pipeline.Ownership;

namespace VideoMtl.Cluster;

/// <summary>
/// A stream's lease on this instance, granted by its entity and held by its capture. The entity revokes it
/// (hand-over) and then waits for <see cref="Released"/>: capture has stopped and the stream's frames are out
/// of the pipeline.
/// </summary>
internal sealed class ClusterLease(string stream, long firstFrame) : IStreamLease
{
    private readonly CancellationTokenSource _revoke = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _revoked;

    public string Stream => stream;

    public long FirstFrame => firstFrame;

    public CancellationToken Revoked => _revoke.Token;

    /// <summary>Completes once capture has given the lease back.</summary>
    public Task Released => _released.Task;

    /// <summary>Completes when the source ended or failed for good (then the entity stops for good too).</summary>
    public Task Completed => _completed.Task;

    public void Revoke()
    {
        // Once: the token source is disposed only by the lease's holder, after the last revoke could come.
        if (Interlocked.Exchange(ref _revoked, 1) == 0)
        {
            _revoke.Cancel();
        }
    }

    public void Complete() => _completed.TrySetResult();

    public void Dispose() => _released.TrySetResult();
}
