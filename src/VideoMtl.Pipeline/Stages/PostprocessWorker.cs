using System.Diagnostics;
using System.Threading.Channels;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Model;
using VideoMtl.Core.Tracking;
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
    Func<StreamState, bool> wantsCleanPixels,
    ChannelReader<FramePacket> input,
    IReadOnlyList<(string Name, ChannelWriter<FramePacket> Writer)> sinks,
    FramePacketPool pool,
    PipelineMetrics metrics,
    PipelineOptions options)
{
    // One tracker per stream, by stream index. Only this worker touches them, and it takes each stream's
    // frames in order (batches leave inference in order), which a tracker needs.
    private readonly ObjectTracker?[] _trackers = new ObjectTracker?[options.Sources.Count];

    public async Task RunAsync(CancellationToken cancellation)
    {
        await foreach (var packet in input.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            long started = Stopwatch.GetTimestamp();
            long decoded;
            try
            {
                options.FaultInjection?.Invoke("postprocess", packet);
                var batch = packet.Batch!;
                if (options.Tracking.Enabled)
                {
                    var tracker = _trackers[packet.Stream.Index] ??= new ObjectTracker(options.Tracking, options.Decoder.Confidence);
                    packet.TrackMs = model.Decode(decoder, batch.Outputs, packet.Place, packet.Geometry, packet.Detections, tracker, TrackingClock(packet), packet.Stream.Tasks);
                    metrics.Tracked(packet.Stream, tracker.ActiveTracks, tracker.TracksStarted);
                    packet.Stream.TracksActive = tracker.ActiveTracks;
                }
                else
                {
                    model.Decode(decoder, batch.Outputs, packet.Place, packet.Geometry, packet.Detections, packet.Stream.Tasks);
                }

                packet.Batch = null;
                batch.Release();
                decoded = Stopwatch.GetTimestamp();
                packet.PostprocessMs = Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds - packet.TrackMs;
                if (annotator is not null)
                {
                    if (wantsCleanPixels(packet.Stream))
                    {
                        // Into the packet's own buffer, reused frame after frame (no allocation once sized).
                        packet.Image.CopyTo(packet.CleanImage);
                        packet.HasCleanImage = true;
                    }

                    annotator.Annotate(packet.Image, packet.Detections, model.Description);
                    packet.OverlayMs = Stopwatch.GetElapsedTime(decoded).TotalMilliseconds;
                }
            }
            catch
            {
                pool.Return(packet); // releases its share of the batch outputs too, if decoding did not get that far
                throw;
            }

            packet.Stream.ObjectsInView = packet.Detections.Count;
            packet.Stream.CountProcessed();
            metrics.Processed(packet, model.Description.ClassNames);
            if (sinks.Count == 0)
            {
                packet.SetSinkReferences(1);
                pool.ReleaseSinkReference(packet); // published now: nothing else will have it
                continue;
            }

            packet.SetSinkReferences(sinks.Count);
            int offered = 0;
            try
            {
                for (; offered < sinks.Count; offered++)
                {
                    var (name, sink) = sinks[offered];
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
            catch
            {
                // Aborted while waiting for a sink: the references of the sinks not reached are given up here,
                // so the packet goes back to the pool once the sinks that have it are done.
                for (int i = offered; i < sinks.Count; i++)
                {
                    pool.ReleaseSinkReference(packet, delivered: false);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// The frame's time for the tracker's motion model, in seconds: a file's own timestamps (exact, whatever the
    /// processing speed), a live frame's arrival (a camera's clock is not known, and stale frames dropped on the
    /// way still count as elapsed time, as they should).
    /// </summary>
    private static double TrackingClock(FramePacket packet) =>
        packet.Stream.IsLive ? packet.CapturedAt / (double)Stopwatch.Frequency : packet.PtsMs / 1000;
}
