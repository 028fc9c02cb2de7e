using System.Threading.Channels;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// A live stream's queue: its newest frame only. Capture never waits on it; a frame still there when the next
/// arrives was never going to be the one inference takes, so it is replaced and handed to <c>stale</c>
/// (count it, return it to its pool).
/// </summary>
internal static class LiveMailbox
{
    public static Channel<FramePacket> Create(Action<FramePacket> stale) => Channel.CreateBounded(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
        stale);
}
