using System.Globalization;
using StackExchange.Redis;

namespace VideoMtl.Redis;

/// <summary>
/// What Redis remembers of a stream's results: its last entry (frame and producing instance), so that an
/// instance taking a stream over continues its frame numbers and a file resumes after the last frame published.
/// </summary>
public sealed class RedisResultHistory
{
    private readonly RedisConnection _connection;

    /// <param name="connection">Shared, not owned: disposed by its owner.</param>
    public RedisResultHistory(RedisConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    /// <summary>The stream's last published result (XREVRANGE … COUNT 1), or null when it has none.</summary>
    /// <exception cref="RedisException">Redis does not answer.</exception>
    public async Task<(long Frame, string? Instance)?> LastAsync(string stream)
    {
        var entries = await (await _connection.DatabaseAsync().ConfigureAwait(false)).StreamRangeAsync(RedisKeys.Results(stream), "-", "+", count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
        if (entries.Length == 0 || !long.TryParse(entries[0]["frame"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long frame))
        {
            return null;
        }

        var instance = entries[0]["instance"];
        return (frame, instance.IsNull ? null : instance.ToString());
    }
}
