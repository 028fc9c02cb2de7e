using System.Threading.Channels;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// A stream's writer into a queue the batcher reads: rings the batcher's doorbell after every frame written
/// and when the queue is completed, so the writer (capture, a file's preprocess) needs to know nothing of it.
/// </summary>
internal sealed class DoorbellWriter<T>(ChannelWriter<T> inner, BatchDoorbell doorbell) : ChannelWriter<T>
{
    public override bool TryWrite(T item)
    {
        if (!inner.TryWrite(item))
        {
            return false;
        }

        doorbell.Ring();
        return true;
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);

    public override bool TryComplete(Exception? error = null)
    {
        bool completed = inner.TryComplete(error);
        doorbell.Ring();
        return completed;
    }
}
