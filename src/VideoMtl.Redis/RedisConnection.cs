using StackExchange.Redis;

namespace VideoMtl.Redis;

/// <summary>
/// One connection to a Redis for everything a process sends it: the results sink and, in a cluster, the claim
/// and the result history. StackExchange.Redis multiplexes every caller over one socket and reconnects it by
/// itself, so a second multiplexer to the same server would only add a socket and a reconnect loop. It connects
/// on first use and never fails for a Redis that is down (it keeps trying); each user keeps its own handling of
/// Redis being away. The owner disposes it after every user has stopped.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _multiplexer;

    public RedisConnection(RedisEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _multiplexer = new(() => ConnectionMultiplexer.ConnectAsync(endpoint.Options("videomtl")), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public RedisEndpoint Endpoint { get; }

    /// <summary>The database of the endpoint's URL, connecting first if this is the first use.</summary>
    public async Task<IDatabase> DatabaseAsync() => (await _multiplexer.Value.ConfigureAwait(false)).GetDatabase();

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated)
        {
            await (await _multiplexer.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
    }
}
