using Akka.Cluster.Sharding;

namespace VideoMtl.Cluster;

/// <summary>
/// Entity id and shard id are both the stream's name: one stream per shard, so the allocation strategy moves
/// single streams and a new instance gets a fair share of streams, not of hash buckets.
/// </summary>
internal sealed class StreamMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        StreamShare start => start.Stream,
        _ => null,
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => message switch
    {
        StreamShare start => start.Stream,
        _ => null,
    };

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
