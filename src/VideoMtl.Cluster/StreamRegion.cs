namespace VideoMtl.Cluster;

/// <summary>The key the streams' shard region is registered under in Akka.Hosting's actor registry.</summary>
internal sealed class StreamRegion;
