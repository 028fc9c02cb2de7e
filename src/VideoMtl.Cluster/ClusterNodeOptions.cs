namespace VideoMtl.Cluster;

/// <summary>
/// One instance's place in a cluster: its name and address, the seed nodes it joins through, the streams the
/// cluster shares out (every instance is given the same list), and how quickly a dead instance is given up.
/// </summary>
public sealed record ClusterNodeOptions
{
    /// <summary>The actor system's name: instances join only a cluster of the same name.</summary>
    public string SystemName { get; init; } = "videomtl";

    /// <summary>This instance's name, unique in the cluster (results in Redis and /cluster say who produced what).</summary>
    public required string NodeName { get; init; }

    /// <summary>The address other instances reach this one at (and it binds).</summary>
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 4053;

    /// <summary>Seed nodes as host:port. The first seed forms the cluster when it starts alone; the others join a running one.</summary>
    public required IReadOnlyList<string> Seeds { get; init; }

    /// <summary>The streams every instance is configured with; each is one sharded entity.</summary>
    public required IReadOnlyList<string> Streams { get; init; }

    /// <summary>How long a start may take to join through the seeds before it gives up with an error.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Silence after which an instance is suspected (the failure detector's acceptable heartbeat pause); the
    /// split-brain resolver then waits <see cref="StableAfter"/> before downing it. Together with the hand-over
    /// they make the failover time.
    /// </summary>
    public TimeSpan HeartbeatPause { get; init; } = TimeSpan.FromSeconds(4);

    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a hand-over may wait for a stream's last results to reach their sinks (Redis) before it goes on.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// This instance's roles. Streams run only on instances with <see cref="StreamsRole"/>; one without it is a
    /// member that owns no stream (it sees the cluster: /cluster, metrics), e.g. a machine kept out of the rotation.
    /// </summary>
    public IReadOnlyList<string> Roles { get; init; } = [StreamsRole];

    /// <summary>The role of the instances that capture streams.</summary>
    public const string StreamsRole = "streams";

    /// <summary>The names of this cluster's instances are roles: "node-NAME" (seen by every member, so duplicates are found).</summary>
    internal string NodeRole => NodeRolePrefix + NodeName;

    internal const string NodeRolePrefix = "node-";

    /// <summary>Checks the settings, naming each bad one and the fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeName) || NodeName.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new ArgumentException($"Cluster:NodeName '{NodeName}' is not a usable name: use letters, digits, '-', '_' or '.' (e.g. box-1)");
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException($"Cluster:Port {Port} is out of range: use 1..65535");
        }

        if (Seeds.Count == 0)
        {
            throw new ArgumentException("Cluster:Seeds is empty: list the seed nodes as host:port (the first seed forms the cluster), e.g. [\"127.0.0.1:4053\"]");
        }

        foreach (string seed in Seeds)
        {
            _ = SeedAddress.Parse(seed);
        }

        foreach (string role in Roles)
        {
            if (role.Length == 0 || role.StartsWith(NodeRolePrefix, StringComparison.Ordinal) || role.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                throw new ArgumentException($"Cluster:Roles entry '{role}' is not usable: use letters, digits, '-' or '_', not starting with '{NodeRolePrefix}' (\"{StreamsRole}\" takes streams)");
            }
        }

        if (SystemName.Length == 0 || SystemName.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new ArgumentException($"Cluster:Name '{SystemName}' is not usable: use letters, digits, '-' or '_'");
        }
    }
}
