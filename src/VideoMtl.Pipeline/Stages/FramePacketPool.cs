using System.Collections.Concurrent;

namespace VideoMtl.Pipeline.Stages;

/// <summary>Packets are made on demand and reused; the channel capacities bound how many ever exist.</summary>
public sealed class FramePacketPool(int keypoints, TensorSlotPool tensors) : IDisposable
{
    private readonly ConcurrentBag<FramePacket> _free = [];
    private readonly ConcurrentBag<FramePacket> _all = [];

    public int Created => _all.Count;

    public FramePacket Rent()
    {
        if (_free.TryTake(out var packet))
        {
            return packet;
        }

        packet = new FramePacket(keypoints);
        _all.Add(packet);
        return packet;
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
        _free.Add(packet);
    }

    /// <summary>One sink is done with the packet (written or dropped); the last one hands it back to the pool.</summary>
    public void ReleaseSinkReference(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet.ReleaseSinkReference())
        {
            Return(packet);
        }
    }

    public void Dispose()
    {
        foreach (var packet in _all)
        {
            packet.Image.Dispose();
        }
    }
}
