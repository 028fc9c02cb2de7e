namespace VideoMtl.Cluster;

/// <summary>Why a stream came to this instance (the <c>reason</c> label of <c>videomtl_stream_handovers_total</c>).</summary>
internal static class HandoverReasons
{
    public const string Initial = "initial";
    public const string Rebalance = "rebalance";
    public const string Leave = "leave";
    public const string Failover = "failover";
    public const string Returned = "returned";

    public static readonly string[] All = [Initial, Rebalance, Leave, Failover, Returned];
}
