using StackExchange.Redis;

namespace VideoMtl.Redis;

/// <summary>
/// A cluster's claim on a Redis: the key <c>videomtl:cluster</c> names the cluster whose results it holds, and
/// expires unless a member renews it. Two clusters writing the same result streams would interleave their
/// frames; the second one to start finds the claim of the first and is refused.
/// </summary>
public sealed class RedisClusterClaim : IAsyncDisposable
{
    public const string Key = "videomtl:cluster";

    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly RedisConnection _connection;
    private readonly string _identity;
    private readonly CancellationTokenSource _stop = new();
    private Task _renewal = Task.CompletedTask;

    private RedisClusterClaim(RedisConnection connection, string identity)
    {
        _connection = connection;
        _identity = identity;
    }

    /// <summary>
    /// Claims the Redis for the cluster <paramref name="identity"/> (or finds it already claimed by it) and renews
    /// the claim until disposed. Returns the other cluster's identity when the Redis is claimed by another one.
    /// A Redis that does not answer now is not refused: the claim is made once it does. The connection is shared,
    /// not owned: its owner disposes it after the claim.
    /// </summary>
    public static async Task<(RedisClusterClaim? Claim, string? OtherCluster)> ClaimAsync(RedisConnection connection, string identity)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var claim = new RedisClusterClaim(connection, identity);
        try
        {
            if (await claim.TryClaimAsync().ConfigureAwait(false) is { } other)
            {
                await claim.DisposeAsync().ConfigureAwait(false);
                return (null, other);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis is away: the sink queues meanwhile; the renewal makes the claim when Redis is back.
        }

        claim._renewal = claim.RenewAsync();
        return (claim, null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Null when the claim is ours (made or renewed); else the identity of the cluster holding it.</summary>
    private async Task<string?> TryClaimAsync()
    {
        var database = await _connection.DatabaseAsync().ConfigureAwait(false);
        if (await database.StringSetAsync(Key, _identity, Lifetime, When.NotExists).ConfigureAwait(false))
        {
            return null;
        }

        string? holder = await database.StringGetAsync(Key).ConfigureAwait(false);
        if (holder == _identity)
        {
            await database.KeyExpireAsync(Key, Lifetime).ConfigureAwait(false);
            return null;
        }

        return holder;
    }

    private async Task RenewAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Lifetime / 3, _stop.Token).ConfigureAwait(false);
                _ = await TryClaimAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis away for now: tried again at the next renewal.
            }
        }
    }
}
