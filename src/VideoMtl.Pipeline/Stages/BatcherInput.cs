using System.Threading.Channels;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// One stream as the batcher sees it. A live stream's queue is its mailbox: the newest frame only, not yet
/// letterboxed (the batcher prepares it when it is taken, so it is never prepared and then left to go stale).
/// A file's queue holds frames its own preprocess worker has already prepared, in order, none ever dropped.
/// </summary>
internal sealed class BatcherInput(StreamState stream, ChannelReader<FramePacket> frames)
{
    private volatile bool _failed;

    public StreamState Stream { get; } = stream;

    public ChannelReader<FramePacket> Frames { get; } = frames;

    /// <summary>Set when preparing one of its frames failed: the stream is out of the run, its queue is emptied as it fills.</summary>
    public bool Failed
    {
        get => _failed;
        set => _failed = value;
    }

    /// <summary>Nothing more will come: the queue is completed and empty, or the stream failed.</summary>
    public bool Ended => _failed || Frames.Completion.IsCompleted;
}
