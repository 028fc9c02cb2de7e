using System.Diagnostics;
using System.Threading.Channels;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Model;
using VideoMtl.Pipeline.Metrics;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Decodes each frame's slice of its batch outputs, annotates the pixels once when some sink needs them,
/// and fans the frame out to every sink's channel: a file frame waits for room, a live frame that finds
/// a sink full is dropped for that sink and counted.
/// </summary>
internal sealed class PostprocessWorker(
    MultiTaskModel model,
    MultiTaskDecoder decoder,
    IAnnotator? annotator,
    ChannelReader<FramePacket> input,
    IReadOnlyList<(string Name, ChannelWriter<FramePacket> Writer)> sinks,
    FramePacketPool pool,
    PipelineMetrics metrics)
{
    public async Task RunAsync(CancellationToken cancellation)
    {
        await foreach (var packet in input.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            long started = Stopwatch.GetTimestamp();
            var batch = packet.Batch!;
            model.Decode(decoder, batch.Outputs, packet.BatchIndex, batch.BatchSize, packet.Geometry, packet.Detections);
            packet.Batch = null;
            batch.Release();
            long decoded = Stopwatch.GetTimestamp();
            packet.PostprocessMs = Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds;
            if (annotator is not null)
            {
                annotator.Annotate(packet.Image, packet.Detections, model.Description);
                packet.OverlayMs = Stopwatch.GetElapsedTime(decoded).TotalMilliseconds;
            }

            packet.Stream.CountProcessed();
            metrics.Processed(packet, model.Description.ClassNames);
            if (sinks.Count == 0)
            {
                pool.Return(packet);
                continue;
            }

            packet.SetSinkReferences(sinks.Count);
            for (int i = 0; i < sinks.Count; i++)
            {
                var (name, sink) = sinks[i];
                if (packet.Stream.IsLive)
                {
                    if (!sink.TryWrite(packet))
                    {
                        packet.Stream.CountDropped();
                        metrics.Dropped(packet.Stream, name, "queue_full");
                        pool.ReleaseSinkReference(packet);
                    }
                }
                else
                {
                    await sink.WriteAsync(packet, cancellation).ConfigureAwait(false);
                }
            }
        }
    }
}
