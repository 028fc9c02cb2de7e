using Prometheus;

namespace VideoMtl.Cluster;

/// <summary>
/// The cluster's metrics: members by state, streams this instance owns, hand-overs by reason. Labels stay
/// bounded: a member state or a reason, never an address or a node name.
/// </summary>
internal sealed class ClusterMetrics
{
    private readonly Counter _handovers;

    public ClusterMetrics(CollectorRegistry registry, Func<IReadOnlyDictionary<string, int>> membersByState, Func<int> owned)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var members = factory.CreateGauge("videomtl_cluster_members", "Members of the cluster this instance sees, by state (up, joining, leaving, unreachable, ...)", ["state"]);
        var streams = factory.CreateGauge("videomtl_streams_owned", "Streams this instance captures now (holds the lease of)");
        _handovers = factory.CreateCounter(
            "videomtl_stream_handovers_total",
            "Streams this instance took over, by reason: initial (no earlier owner known), rebalance (from a live instance), leave (from one that left cleanly), failover (from one that died), returned (last published by this same instance: it came back, or this instance restarted)",
            ["reason"]);
        foreach (string reason in HandoverReasons.All)
        {
            _handovers.WithLabels(reason); // every reason present from the start, at 0
        }

        registry.AddBeforeCollectCallback(() =>
        {
            var counts = membersByState();
            foreach (string state in MemberStates)
            {
                members.WithLabels(state).Set(counts.TryGetValue(state, out int n) ? n : 0);
            }

            streams.Set(owned());
        });
    }

    /// <summary>The states a member is counted in (Akka's member statuses, and unreachable as one of its own).</summary>
    public static readonly string[] MemberStates = ["joining", "weaklyup", "up", "leaving", "exiting", "down", "removed", "unreachable"];

    public void HandedOver(string reason) => _handovers.WithLabels(reason).Inc();
}
