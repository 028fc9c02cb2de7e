namespace VideoMtl.Cluster;

/// <summary>Sent through the shard region for each configured stream: starts its entity wherever the cluster puts it (idempotent).</summary>
public sealed record StreamShare(string Stream);
