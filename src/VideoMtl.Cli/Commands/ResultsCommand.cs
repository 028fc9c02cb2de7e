using System.CommandLine;
using StackExchange.Redis;
using VideoMtl.Cli.Configuration;
using VideoMtl.Redis;

namespace VideoMtl.Cli.Commands;

/// <summary><c>videomtl results tail</c>: results read back from Redis Streams, one NDJSON line each on stdout.</summary>
internal static class ResultsCommand
{
    public static Command Create(TextWriter output)
    {
        var stream = new Option<string[]>("--stream") { Description = "Only these streams (default: every stream with results in Redis)", AllowMultipleArgumentsPerToken = true };
        var group = new Option<string>("--group") { Description = "Consumer group: readers in one group share the results, and a group goes on where it stopped (default: videomtl-tail)", DefaultValueFactory = _ => "videomtl-tail" };
        var consumer = new Option<string>("--consumer") { Description = "This reader's name in the group (default: the machine name and process id)" };
        var fromStart = new Option<bool>("--from-start") { Description = "A new group starts at each stream's first entry (default: only new results)" };
        var count = new Option<long?>("--count") { Description = "Stop after this many results" };
        var idle = new Option<double?>("--idle-seconds") { Description = "Stop once no result has come for this long" };
        var config = new Option<string?>("--config") { Description = "Settings file with Redis:Url (default: config/videomtl.json); or VIDEOMTL__REDIS__URL" };
        var tail = new Command("tail", "Print results from Redis as they arrive (consumer group, each one acknowledged)") { stream, group, consumer, fromStart, count, idle, config };
        tail.SetAction(async (parse, cancellation) =>
        {
            var (settings, _) = RunSettingsLoader.Load(parse.GetValue(config));
            if (!settings.Redis.Enabled)
            {
                throw new UserError("no Redis:Url in the settings: set it in config/videomtl.json or VIDEOMTL__REDIS__URL (redis://host:port)");
            }

            var endpoint = settings.Redis.Endpoint();

            RedisResultReader reader;
            try
            {
                reader = await RedisResultReader.ConnectAsync(endpoint).ConfigureAwait(false);
            }
            catch (RedisConnectionException e)
            {
                throw new UserError($"Redis at {endpoint.Redacted} does not answer: start it, or fix Redis:Url", e);
            }

            await using (reader.ConfigureAwait(false))
            {
                var streams = parse.GetValue(stream) is { Length: > 0 } named ? named : await reader.StreamsAsync().ConfigureAwait(false);
                if (streams.Count == 0)
                {
                    throw new UserError($"no results in Redis at {endpoint.Redacted} yet: name the streams with --stream to wait for them");
                }

                long limit = parse.GetValue(count) ?? long.MaxValue;
                var quiet = parse.GetValue(idle) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                if (quiet is { } first)
                {
                    stop.CancelAfter(first);
                }

                long printed = 0;
                string name = parse.GetValue(consumer) ?? $"{Environment.MachineName}-{Environment.ProcessId}";
                await foreach (var entry in reader.TailAsync(streams, parse.GetValue(group)!, name, parse.GetValue(fromStart), stop.Token).ConfigureAwait(false))
                {
                    await output.WriteLineAsync(entry.Result).ConfigureAwait(false);
                    if (++printed >= limit)
                    {
                        break;
                    }

                    if (quiet is { } wait)
                    {
                        stop.CancelAfter(wait);
                    }
                }

                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return 0;
        });
        return new Command("results", "Results published to Redis") { tail };
    }
}
