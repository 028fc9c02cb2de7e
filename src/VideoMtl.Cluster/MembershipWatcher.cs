using Akka.Actor;
using Akka.Cluster;

namespace VideoMtl.Cluster;

/// <summary>Follows the cluster's member events into <see cref="MemberFates"/>.</summary>
internal sealed class MembershipWatcher : ReceiveActor
{
    public MembershipWatcher(MemberFates fates)
    {
        Receive<ClusterEvent.MemberUp>(e => Name(e.Member, fates.Up));
        Receive<ClusterEvent.MemberLeft>(e => Name(e.Member, fates.Left));
        Receive<ClusterEvent.MemberExited>(e => Name(e.Member, fates.Left));
        Receive<ClusterEvent.UnreachableMember>(e => Name(e.Member, fates.Died));
        Receive<ClusterEvent.MemberDowned>(e => Name(e.Member, fates.Died));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>The node name a member carries as its "node-NAME" role.</summary>
    public static string? NodeName(Member member) =>
        member.Roles.FirstOrDefault(r => r.StartsWith(ClusterNodeOptions.NodeRolePrefix, StringComparison.Ordinal))?[ClusterNodeOptions.NodeRolePrefix.Length..];

    private static void Name(Member member, Action<string> record)
    {
        if (NodeName(member) is { } name)
        {
            record(name);
        }
    }
}
