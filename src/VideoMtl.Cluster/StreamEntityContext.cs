using Microsoft.Extensions.Logging;

namespace VideoMtl.Cluster;

/// <summary>What every stream entity of this instance shares: the local leases, the resume lookup, the sinks' flush state.</summary>
internal sealed record StreamEntityContext(
    string NodeName,
    StreamLeases Leases,
    Func<string, Task<ResumePoint?>> Resume,
    Func<bool> SinksFlushed,
    TimeSpan FlushTimeout,
    MemberFates Fates,
    ClusterMetrics Metrics,
    ILogger Logger);
