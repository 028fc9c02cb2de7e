using System.Diagnostics;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Cli.Soak;

/// <summary>
/// Collects the capture-to-result latency of every frame that reaches the sinks, for the soak's
/// per-interval percentiles. Written by the sink task, drained by the sampler: hence the lock.
/// </summary>
internal sealed class LatencySink : IFrameSink
{
    private readonly Lock _gate = new();
    private List<double> _current = new(4096);

    public string Name => "latency";

    public bool NeedsPixels => false;

    public bool Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        double ms = Stopwatch.GetElapsedTime(packet.CapturedAt).TotalMilliseconds;
        lock (_gate)
        {
            _current.Add(ms);
        }

        return false;
    }

    /// <summary>The latencies since the last call, sorted.</summary>
    public List<double> TakeSorted()
    {
        List<double> taken;
        lock (_gate)
        {
            taken = _current;
            _current = new List<double>(taken.Count);
        }

        taken.Sort();
        return taken;
    }

    public void Complete()
    {
    }

    public void Dispose()
    {
    }
}
