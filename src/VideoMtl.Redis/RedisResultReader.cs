using System.Globalization;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace VideoMtl.Redis;

/// <summary>
/// Reads results back from Redis Streams as a consumer group member (<c>XREADGROUP</c>, then <c>XACK</c> for each
/// entry handed out), so several readers in one group share the entries and a reader that comes back continues
/// where its group stopped. For <c>videomtl results tail</c>, and for tests.
/// </summary>
public sealed class RedisResultReader : IAsyncDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);
    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;

    private RedisResultReader(ConnectionMultiplexer connection)
    {
        _connection = connection;
        _database = connection.GetDatabase();
    }

    /// <exception cref="RedisConnectionException">Redis does not answer.</exception>
    public static async Task<RedisResultReader> ConnectAsync(RedisEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var options = endpoint.Options("videomtl-tail");
        options.AbortOnConnectFail = true; // a reader is started by hand: say at once that Redis is not there
        return new RedisResultReader(await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false));
    }

    /// <summary>The video streams that have results in Redis.</summary>
    public async Task<IReadOnlyList<string>> StreamsAsync()
    {
        var streams = new List<string>();
        string prefix = RedisKeys.Results(string.Empty);
        foreach (var server in _connection.GetServers())
        {
            await foreach (var key in server.KeysAsync(_database.Database, prefix + "*").ConfigureAwait(false))
            {
                streams.Add(key.ToString()[prefix.Length..]);
            }
        }

        return [.. streams.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The streams' results as they arrive, acknowledged as they are handed out. A group is created on first use,
    /// at the start of each stream (<paramref name="fromStart"/>) or at its end (only new results).
    /// </summary>
    public async IAsyncEnumerable<ResultEntry> TailAsync(
        IReadOnlyList<string> streams, string group, string consumer, bool fromStart, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        foreach (string stream in streams)
        {
            string key = RedisKeys.Results(stream);
            if (await GroupExistsAsync(key, group).ConfigureAwait(false))
            {
                continue; // go on from where the group stopped
            }

            try
            {
                await _database.StreamCreateConsumerGroupAsync(key, group, fromStart ? StreamPosition.Beginning : StreamPosition.NewMessages, createStream: true).ConfigureAwait(false);
            }
            catch (RedisServerException)
            {
                if (!await GroupExistsAsync(key, group).ConfigureAwait(false))
                {
                    throw;
                }

                // Another reader of the group created it a moment ago.
            }
        }

        while (!cancellation.IsCancellationRequested)
        {
            bool any = false;
            foreach (string stream in streams)
            {
                string key = RedisKeys.Results(stream);
                var entries = await _database.StreamReadGroupAsync(key, group, consumer, StreamPosition.NewMessages, count: 100).ConfigureAwait(false);
                foreach (var entry in entries)
                {
                    any = true;
                    await _database.StreamAcknowledgeAsync(key, group, entry.Id).ConfigureAwait(false);
                    yield return new ResultEntry(
                        entry.Id.ToString(), entry["stream"].ToString(),
                        long.TryParse(entry["frame"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long frame) ? frame : -1,
                        double.TryParse(entry["pts_ms"].ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double pts) ? pts : double.NaN,
                        entry["result"].ToString(),
                        entry["instance"] is { IsNull: false } instance ? instance.ToString() : null);
                }
            }

            if (!any)
            {
                try
                {
                    await Task.Delay(Idle, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
    }

    private async Task<bool> GroupExistsAsync(string key, string group) =>
        await _database.KeyExistsAsync(key).ConfigureAwait(false)
        && (await _database.StreamGroupInfoAsync(key).ConfigureAwait(false)).Any(g => g.Name == group);

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);
}
