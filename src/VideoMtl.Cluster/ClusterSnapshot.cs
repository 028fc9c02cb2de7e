namespace VideoMtl.Cluster;

/// <summary>The cluster as this instance sees it: members and the streams each owns; streams no member owns now.</summary>
public sealed record ClusterSnapshot(string Self, string? Leader, IReadOnlyList<ClusterMember> Members, IReadOnlyList<string> Unowned);
