namespace VideoMtl.Pipeline.Stages;

/// <summary>Packets are made on demand and reused; the channel capacities bound how many ever exist.</summary>
public sealed class FramePacketPool(int keypoints, TensorSlotPool tensors) : IDisposable
{
    // A plain stack under a lock rather than a ConcurrentBag: packets are rented on capture threads and
    // returned on whichever pool thread ran the last sink, and the bag's per-thread queues and stealing
    // allocated on that pattern; a lock held for a push or pop costs less.
    private readonly Stack<FramePacket> _free = new();
    private readonly List<FramePacket> _all = [];
    private readonly Lock _gate = new();
    private int _outstanding;

    public int Created
    {
        get
        {
            lock (_gate)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>Packets rented and not yet returned: 0 once a run has ended, whatever happened in it.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _outstanding;
            }
        }
    }

    public FramePacket Rent()
    {
        lock (_gate)
        {
            _outstanding++;
            if (_free.TryPop(out var free))
            {
                return free;
            }

            var packet = new FramePacket(keypoints);
            _all.Add(packet);
            return packet;
        }
    }

    public void Return(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.Tensor is { } slot)
        {
            tensors.Return(slot);
            packet.Tensor = null;
        }

        packet.Batch?.Release();
        packet.Batch = null;
        // Mask buffers go back to the shared mask pool now rather than when the packet is next decoded, so
        // idle packets hold none and the buffers in use are only those of frames still in flight.
        packet.Detections.Clear();
        packet.HasCleanImage = false;
        if (packet.CountedInFlight)
        {
            packet.CountedInFlight = false;
            packet.Stream.LeftPipeline();
        }

        lock (_gate)
        {
            _outstanding--;
            _free.Push(packet);
        }
    }

    /// <summary>
    /// Called with each frame when its last sink is done with it, just before it goes back to the pool: the
    /// moment a result is published (end-to-end latency ends here). Set once, before frames flow.
    /// </summary>
    public Action<FramePacket>? Published { get; set; }

    /// <summary>One sink is done with the packet (written or dropped); the last one hands it back to the pool.</summary>
    /// <param name="delivered">False when the run is being torn down and the packet never reached this sink: not published.</param>
    public void ReleaseSinkReference(FramePacket packet, bool delivered = true)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.ReleaseSinkReference())
        {
            if (delivered)
            {
                Published?.Invoke(packet);
            }

            Return(packet);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _free.Clear();
        }

        foreach (var packet in _all)
        {
            packet.Image.Dispose();
            packet.CleanImage.Dispose();
        }
    }
}
