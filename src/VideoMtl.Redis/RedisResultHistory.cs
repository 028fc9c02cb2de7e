using System.Globalization;
using StackExchange.Redis;

namespace VideoMtl.Redis;

/// <summary>
/// What Redis remembers of a stream's results: its last entry (frame and producing instance), so that an
/// instance taking a stream over continues its frame numbers and a file resumes after the last frame published.
/// </summary>
public sealed class RedisResultHistory : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;

    private RedisResultHistory(ConnectionMultiplexer connection) => _connection = connection;

    /// <summary>Connects in the background (Redis may be down now and come later).</summary>
    public static async Task<RedisResultHistory> ConnectAsync(RedisEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new RedisResultHistory(await ConnectionMultiplexer.ConnectAsync(endpoint.Options("videomtl-history")).ConfigureAwait(false));
    }

    /// <summary>The stream's last published result (XREVRANGE … COUNT 1), or null when it has none.</summary>
    /// <exception cref="RedisException">Redis does not answer.</exception>
    public async Task<(long Frame, string? Instance)?> LastAsync(string stream)
    {
        var entries = await _connection.GetDatabase().StreamRangeAsync(RedisKeys.Results(stream), "-", "+", count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
        if (entries.Length == 0 || !long.TryParse(entries[0]["frame"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long frame))
        {
            return null;
        }

        var instance = entries[0]["instance"];
        return (frame, instance.IsNull ? null : instance.ToString());
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);
}
