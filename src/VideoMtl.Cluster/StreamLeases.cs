using System.Collections.Concurrent;
using VideoMtl.Pipeline.Ownership;

namespace VideoMtl.Cluster;

/// <summary>
/// Where the cluster's decisions meet the local pipeline: an entity grants its stream's lease here, and the
/// stream's capture, waiting in <see cref="AcquireAsync"/>, takes it. A grant that comes before capture asks
/// waits for it; capture that asks before a grant waits for one.
/// </summary>
public sealed class StreamLeases : IStreamOwnership
{
    private readonly ConcurrentDictionary<string, Slot> _slots;

    public StreamLeases(IEnumerable<string> streams)
    {
        _slots = new ConcurrentDictionary<string, Slot>(streams.Select(s => KeyValuePair.Create(s, new Slot())), StringComparer.Ordinal);
    }

    /// <summary>Streams whose lease this instance holds now (granted and not yet released).</summary>
    public IReadOnlyList<string> Owned => [.. _slots.Where(s => s.Value.Current is { Released.IsCompleted: false }).Select(s => s.Key).Order(StringComparer.Ordinal)];

    public bool Knows(string stream) => _slots.ContainsKey(stream);

    public async Task<IStreamLease> AcquireAsync(string stream, CancellationToken cancellation)
    {
        var slot = _slots[stream];
        return await slot.Grants.Reader.ReadAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Gives the stream to this instance's capture, continuing at <paramref name="firstFrame"/>.</summary>
    internal ClusterLease Grant(string stream, long firstFrame)
    {
        var slot = _slots[stream];
        var lease = new ClusterLease(stream, firstFrame);
        slot.Current = lease;
        // Unbounded, but one at a time: an entity grants again only after the previous lease was released.
        slot.Grants.Writer.TryWrite(lease);
        return lease;
    }

    /// <summary>
    /// Takes back a grant that capture has not picked up yet (the run is ending); true when it was still waiting.
    /// </summary>
    internal bool Withdraw(ClusterLease lease)
    {
        var slot = _slots[lease.Stream];
        if (slot.Grants.Reader.TryPeek(out var waiting) && ReferenceEquals(waiting, lease) && slot.Grants.Reader.TryRead(out _))
        {
            lease.Dispose();
            return true;
        }

        return false;
    }

    private sealed class Slot
    {
        public System.Threading.Channels.Channel<ClusterLease> Grants { get; } = System.Threading.Channels.Channel.CreateUnbounded<ClusterLease>();

        public volatile ClusterLease? Current;
    }
}
