namespace VideoMtl.Cli.Configuration;

/// <summary>
/// The <c>Cluster</c> section of the run settings: several instances share the configured streams out between them
/// (<c>run --cluster</c>; README "Many machines"). Every instance gets the same Sources, Seeds and Name, and a
/// NodeName and Port of its own.
/// </summary>
internal sealed class ClusterSettings
{
    /// <summary>Run as a member of the cluster (also <c>--cluster</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>The cluster's name: instances join only a cluster of the same name.</summary>
    public string Name { get; set; } = "videomtl";

    /// <summary>This instance's name, unique in the cluster (default: the machine's name).</summary>
    public string? NodeName { get; set; }

    /// <summary>The address other instances reach this one at, and that it binds.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The cluster port (Akka.Remote over TCP).</summary>
    public int Port { get; set; } = 4053;

    /// <summary>Seed nodes as host:port; the first forms the cluster when it starts alone (default: this instance only).</summary>
    public List<string> Seeds { get; set; } = [];

    /// <summary>This instance's roles (default: "streams"); only instances with "streams" capture streams.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>How long a start may try to join through the seeds before it fails.</summary>
    public double JoinTimeoutSeconds { get; set; } = 30;

    /// <summary>Silence before an instance is suspected dead (failure detector's acceptable heartbeat pause).</summary>
    public double HeartbeatPauseSeconds { get; set; } = 4;

    /// <summary>How long the split-brain resolver (keep-majority) waits on a stable view before downing the unreachable.</summary>
    public double StableAfterSeconds { get; set; } = 5;

    /// <summary>A clean stop (SIGTERM) hands the instance's streams over for at most this long before it exits.</summary>
    public double LeaveTimeoutSeconds { get; set; } = 30;
}
