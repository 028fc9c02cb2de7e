using System.Diagnostics;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Cli.Live;

/// <summary>
/// Every frame a live run published, as the pipeline reports it (<see cref="Pipeline.PipelineRunner.FramePublished"/>:
/// its last sink has it): when, which stream, its end-to-end latency and the inference time of its batch.
/// Written by sink threads, read by the sampler: hence the lock (one short append per result).
/// </summary>
internal sealed class PublishedFrameLog
{
    private readonly Lock _gate = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<PublishedFrame> _all = new(16384);
    private List<double> _interval = new(4096);

    public void Record(FramePacket packet)
    {
        long now = Stopwatch.GetTimestamp();
        var frame = new PublishedFrame(
            Stopwatch.GetElapsedTime(_started, now).TotalSeconds,
            packet.Stream.Index,
            Stopwatch.GetElapsedTime(packet.CapturedAt, now).TotalMilliseconds,
            packet.InferenceMs);
        lock (_gate)
        {
            _all.Add(frame);
            _interval.Add(frame.LatencyMs);
        }
    }

    /// <summary>The latencies since the last call, sorted (one soak sample).</summary>
    public List<double> TakeIntervalSorted()
    {
        List<double> taken;
        lock (_gate)
        {
            taken = _interval;
            _interval = new List<double>(taken.Count);
        }

        taken.Sort();
        return taken;
    }

    /// <summary>A copy of everything recorded so far.</summary>
    public List<PublishedFrame> Snapshot()
    {
        lock (_gate)
        {
            return [.. _all];
        }
    }
}

/// <summary>One published frame: seconds since the log began, stream index, end-to-end latency, its batch's inference time.</summary>
internal readonly record struct PublishedFrame(double AtSeconds, int Stream, double LatencyMs, double BatchMs);
