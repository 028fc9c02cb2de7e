namespace VideoMtl.Cluster;

/// <summary>One member as /cluster shows it: name, address, roles, state, whether it is this instance, the streams it owns.</summary>
public sealed record ClusterMember(string? Name, string Address, IReadOnlyList<string> Roles, string State, bool Self, IReadOnlyList<string> Streams);
