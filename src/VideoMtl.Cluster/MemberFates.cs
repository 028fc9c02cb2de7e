using System.Collections.Concurrent;

namespace VideoMtl.Cluster;

/// <summary>
/// What became of each instance this one has seen, by node name: still up, left cleanly, or died (unreachable,
/// then downed). Written by the membership watcher, read when a stream arrives to tell a failover from a hand-over.
/// </summary>
internal sealed class MemberFates
{
    private readonly ConcurrentDictionary<string, string> _fates = new(StringComparer.Ordinal);

    public void Up(string node) => _fates[node] = HandoverReasons.Rebalance;

    public void Left(string node) => _fates.AddOrUpdate(node, HandoverReasons.Leave, (_, fate) => fate == HandoverReasons.Failover ? fate : HandoverReasons.Leave);

    public void Died(string node) => _fates[node] = HandoverReasons.Failover;

    /// <summary>The hand-over reason for a stream last published by <paramref name="previous"/>.</summary>
    public string ReasonFrom(string? previous, string self)
    {
        if (previous is null)
        {
            return HandoverReasons.Initial;
        }

        if (previous == self)
        {
            return HandoverReasons.Returned;
        }

        // Not seen at all: it was gone before this instance joined; a dead or departed owner either way.
        return _fates.TryGetValue(previous, out string? fate) ? fate : HandoverReasons.Failover;
    }
}
