using System.Diagnostics;
using System.Threading.Channels;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Stages;

/// <summary>Letterboxes each frame of one stream into a pooled tensor slot and passes it to the shared batcher queue.</summary>
internal sealed class PreprocessWorker(
    ChannelReader<FramePacket> input, ChannelWriter<FramePacket> output, LetterboxTransform letterbox, TensorSlotPool slots)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        await foreach (var packet in input.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            long started = Stopwatch.GetTimestamp();
            var slot = slots.Rent();
            packet.Tensor = slot;
            packet.Geometry = letterbox.Apply(packet.Image, slot);
            packet.PreprocessMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await output.WriteAsync(packet, cancellation).ConfigureAwait(false);
        }
    }
}
