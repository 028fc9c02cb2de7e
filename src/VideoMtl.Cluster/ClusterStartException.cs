namespace VideoMtl.Cluster;

/// <summary>This instance cannot take its place in the cluster; the message names the setting and the fix.</summary>
public sealed class ClusterStartException(string message, Exception? inner = null) : Exception(message, inner);
