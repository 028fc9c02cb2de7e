using System.Diagnostics;
using System.Threading.Channels;
using VideoMtl.Pipeline.Metrics;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Letterboxes each frame of one stream into a pooled tensor slot and passes it to the shared batcher queue.
/// A file's frames all go through in order. A live stream's worker waits for room in the batcher queue
/// before it takes a frame, and takes the newest: a frame held while the queue is full would only grow
/// stale (with many streams sharing one model that wait is seconds), so it is replaced by a fresher one and
/// counted as dropped (reason <c>stale</c>). Only the frame that goes next is letterboxed.
/// </summary>
internal sealed class PreprocessWorker(
    ChannelReader<FramePacket> input, ChannelWriter<FramePacket> output, LetterboxTransform letterbox, TensorSlotPool slots, StreamState stream, FramePacketPool pool, PipelineMetrics metrics, PipelineOptions options)
{
    public Task RunAsync(CancellationToken cancellation) => stream.IsLive ? RunLiveAsync(cancellation) : RunInOrderAsync(cancellation);

    private async Task RunInOrderAsync(CancellationToken cancellation)
    {
        await foreach (var packet in input.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            try
            {
                Prepare(packet);
                await output.WriteAsync(packet, cancellation).ConfigureAwait(false);
            }
            catch
            {
                pool.Return(packet); // a fault or an abort: the frame in hand goes back, whatever happened
                throw;
            }
        }
    }

    private async Task RunLiveAsync(CancellationToken cancellation)
    {
        FramePacket? held = null;
        try
        {
            while (true)
            {
                if (held is null && !await input.WaitToReadAsync(cancellation).ConfigureAwait(false))
                {
                    break; // capture ended and nothing is left
                }

                if (!await output.WaitToWriteAsync(cancellation).ConfigureAwait(false))
                {
                    break;
                }

                // There is room now (another stream may still win it): go with the newest frame there is.
                while (input.TryRead(out var fresh))
                {
                    if (held is not null)
                    {
                        stream.CountDropped();
                        metrics.Dropped(stream, "preprocess", "stale");
                        pool.Return(held);
                    }

                    held = fresh;
                }

                if (held is null)
                {
                    continue;
                }

                if (held.Tensor is null)
                {
                    Prepare(held);
                }

                if (output.TryWrite(held))
                {
                    held = null;
                }
            }
        }
        finally
        {
            if (held is not null)
            {
                pool.Return(held);
            }
        }
    }

    private void Prepare(FramePacket packet)
    {
        options.FaultInjection?.Invoke("preprocess", packet);
        long started = Stopwatch.GetTimestamp();
        var slot = slots.Rent();
        packet.Tensor = slot;
        packet.Geometry = letterbox.Apply(packet.Image, slot);
        packet.PreprocessMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
