using System.Diagnostics;
using System.Text.Json;
using Prometheus;
using StackExchange.Redis;
using VideoMtl.Core.Model;
using VideoMtl.Inference;
using VideoMtl.Pipeline.Stages;
using VideoMtl.TestSupport;

namespace VideoMtl.Redis.Tests;

/// <summary>The sink against a real redis-server on loopback: results arrive, are trimmed, survive an outage, never block.</summary>
public sealed class RedisResultSinkTests : IClassFixture<RedisResultSinkTests.Model>
{
    private readonly ModelDescription _model;

    public RedisResultSinkTests(Model model)
    {
        _model = model.Description;
    }

    [Fact]
    public async Task Every_result_arrives_in_order_with_its_fields_and_the_stream_has_an_up_event()
    {
        using var redis = new LoopbackRedisServer();
        var stream = new StreamState(0, "cam1", "cam1", isLive: false) { Status = StreamStatus.Up };
        await using var shared = new RedisConnection(RedisEndpoint.Parse(redis.Url));
        using (var sink = new RedisResultSink(shared, _model))
        {
            for (int i = 0; i < 50; i++)
            {
                Write(sink, stream, i);
            }

            sink.Complete();
            Assert.Equal(50, sink.Published);
            Assert.Equal(0, sink.Dropped);
        }

        await using var reader = await RedisResultReader.ConnectAsync(RedisEndpoint.Parse(redis.Url));
        Assert.Equal(["cam1"], await reader.StreamsAsync());
        var entries = await Read(reader, ["cam1"], 50);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), entries.Select(e => e.Frame));
        Assert.All(entries, e => Assert.Equal("cam1", e.Stream));
        Assert.Equal(40.0, entries[1].PtsMs);
        using var json = JsonDocument.Parse(entries[7].Result); // the NDJSON line
        Assert.Equal("cam1", json.RootElement.GetProperty("stream").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("frame").GetInt64());

        // Read again in the same group: everything was acknowledged, nothing comes twice.
        Assert.Empty(await Read(reader, ["cam1"], 1, TimeSpan.FromSeconds(1)));

        using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        var events = await connection.GetDatabase().StreamRangeAsync(RedisKeys.Events);
        Assert.Contains(events, e => e["stream"] == "cam1" && e["state"] == "up");
    }

    [Fact]
    public async Task A_long_run_is_trimmed_to_about_the_maximum_length()
    {
        using var redis = new LoopbackRedisServer();
        var stream = new StreamState(0, "cam1", "cam1", isLive: false);
        await using var shared = new RedisConnection(RedisEndpoint.Parse(redis.Url));
        using (var sink = new RedisResultSink(shared, _model, new RedisSinkOptions(MaxLength: 10, QueueCapacity: 5000)))
        {
            for (int i = 0; i < 1000; i++)
            {
                Write(sink, stream, i);
            }

            sink.Complete();
        }

        using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        long length = await connection.GetDatabase().StreamLengthAsync(RedisKeys.Results("cam1"));
        Assert.InRange(length, 10, 300); // MAXLEN ~ trims whole nodes (100 entries each by default), never below 10
    }

    [Fact]
    public async Task Redis_down_never_blocks_a_write_drops_the_oldest_and_results_resume_when_it_is_back()
    {
        using var redis = new LoopbackRedisServer(start: false);
        var registry = Metrics.NewCustomRegistry();
        var stream = new StreamState(0, "cam1", "cam1", isLive: true);
        await using var shared = new RedisConnection(RedisEndpoint.Parse(redis.Url));
        using var sink = new RedisResultSink(shared, _model, new RedisSinkOptions(QueueCapacity: 20), registry);

        // Redis is not there: 200 writes return at once, the queue keeps the newest 20 and counts the rest as dropped.
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 200; i++)
        {
            Write(sink, stream, i);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"200 writes took {clock.Elapsed}");
        Assert.InRange(sink.Dropped, 170, 181); // the publisher may hold one back to retry

        // It comes up: what was kept gets through, and new results follow.
        redis.Start();
        await Until(() => sink.Published >= 19);
        for (int i = 200; i < 210; i++)
        {
            Write(sink, stream, i);
        }

        await Until(() => sink.Published >= 29);

        // It dies and comes back (SIGKILL, empty again): the sink reconnects by itself.
        redis.Kill();
        for (int i = 210; i < 215; i++)
        {
            Write(sink, stream, i);
        }

        redis.Start();
        for (int i = 215; i < 220; i++)
        {
            Write(sink, stream, i);
        }

        sink.Complete();
        await using var reader = await RedisResultReader.ConnectAsync(RedisEndpoint.Parse(redis.Url));
        var after = await Read(reader, ["cam1"], 10, TimeSpan.FromSeconds(5), fromStart: true);
        Assert.Contains(after, e => e.Frame == 219); // the newest result of all made it
        Assert.Equal(sink.Dropped, Value(registry, "videomtl_sink_dropped_total"));
    }

    [Fact]
    public async Task The_sink_the_claim_and_the_history_share_one_connection()
    {
        using var redis = new LoopbackRedisServer();
        var stream = new StreamState(0, "cam1", "cam1", isLive: false) { Status = StreamStatus.Up };
        await using var shared = new RedisConnection(RedisEndpoint.Parse(redis.Url));
        var (claim, other) = await RedisClusterClaim.ClaimAsync(shared, "videomtl@127.0.0.1:1");
        Assert.Null(other);
        await using (claim)
        {
            using var sink = new RedisResultSink(shared, _model, new RedisSinkOptions(Instance: "a"));
            Write(sink, stream, 0);
            Write(sink, stream, 1);
            await Until(() => sink.Published == 2);
            Assert.Equal((1L, "a"), await new RedisResultHistory(shared).LastAsync("cam1"));

            using var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},allowAdmin=true,name=admin");
            var clients = await admin.GetServer(admin.GetEndPoints()[0]).ClientListAsync();
            var ours = clients.Where(c => c.Name == "videomtl").ToList();
            // One multiplexer: its command connection and at most its subscription one, not one pair per user.
            Assert.InRange(ours.Count, 1, 2);
            Assert.Equal(clients.Length - ours.Count, clients.Count(c => c.Name == "admin"));
        }

        // The claim let go of the key's renewal, not of the connection: the sink's results still reach Redis.
        Assert.Equal(2, await (await shared.DatabaseAsync()).StreamLengthAsync(RedisKeys.Results("cam1")));
    }

    private static void Write(RedisResultSink sink, StreamState stream, long frame)
    {
        var packet = new FramePacket(17) { Stream = stream, FrameIndex = frame, PtsMs = frame * 40.0, CapturedAt = Stopwatch.GetTimestamp() };
        sink.Write(packet);
        packet.Image.Dispose();
    }

    private static async Task<List<ResultEntry>> Read(RedisResultReader reader, string[] streams, int count, TimeSpan? timeout = null, bool fromStart = true)
    {
        using var stop = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var entries = new List<ResultEntry>();
        try
        {
            await foreach (var entry in reader.TailAsync(streams, "tests", "reader", fromStart, stop.Token))
            {
                entries.Add(entry);
                if (entries.Count == count)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return entries;
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for the sink");
            await Task.Delay(50);
        }
    }

    private static double Value(CollectorRegistry registry, string name)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        string text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        string line = text.Split('\n').First(l => l.StartsWith(name + "{", StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A model description to write results with (the composite, built once).</summary>
    public sealed class Model : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();

        public Model()
        {
            string path = _directory.File("mt.onnx");
            CompositeModel.Build(path, verifyOnBusImage: false);
            using var session = ModelSession.Create(path);
            Description = ModelDescription.FromSession(session);
        }

        public ModelDescription Description { get; }

        public void Dispose() => _directory.Dispose();
    }
}
