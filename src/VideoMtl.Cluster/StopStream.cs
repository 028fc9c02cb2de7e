namespace VideoMtl.Cluster;

/// <summary>
/// The hand-off stop message: sharding sends it to an entity whose shard moves (rebalance, instance leaving),
/// and an entity passivates itself with it when its source is done. The entity stops once capture has let go.
/// </summary>
internal sealed class StopStream
{
    public static readonly StopStream Instance = new();

    private StopStream()
    {
    }
}
