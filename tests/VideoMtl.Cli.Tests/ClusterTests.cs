using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using VideoMtl.Cli.Soak;
using VideoMtl.TestSupport;
using Xunit.Abstractions;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// Three real <c>videomtl run --cluster</c> processes on loopback share six live feeds (GStreamer's RTSP server and
/// ffmpeg's HTTP MJPEG) and publish to a real redis-server: every stream runs on exactly one instance, a SIGKILLed
/// instance's streams run again on the others within 30 s and continue their frame numbers, a restarted instance
/// takes a share again, a Redis outage costs counted drops and nothing else, and a SIGTERM hands streams over.
/// </summary>
[Collection(LiveServersCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Failover = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Six_live_streams_over_three_instances_survive_a_killed_instance_a_restart_a_redis_outage_and_a_clean_stop()
    {
        using var redis = new LoopbackRedisServer();
        using var rtsp = new LoopbackRtspServer();
        await rtsp.StartAsync();
        var feeds = Enumerable.Range(1, 5).Select(i => new LoopbackMjpegFeed(TestData.VtestAvi, $"feed{i}.mjpg", width: 192)).ToList();
        using var output = new TemporaryDirectory();
        var members = new Dictionary<string, RunningPipeline>();
        try
        {
            foreach (var feed in feeds)
            {
                await feed.StartAsync();
            }

            string[] streams = ["cam0", .. feeds.Select((_, i) => $"web{i + 1}")];
            string[] sources = [$"cam0={rtsp.Url}", .. feeds.Select((f, i) => $"web{i + 1}={f.Url}")];
            var ports = new Dictionary<string, (int Cluster, int Http)>
            {
                ["a"] = (LoopbackPorts.Free(), LoopbackPorts.Free()),
                ["b"] = (LoopbackPorts.Free(), LoopbackPorts.Free()),
                ["c"] = (LoopbackPorts.Free(), LoopbackPorts.Free()),
            };
            string settings = Path.Combine(output.Path, "cluster.json");
            File.WriteAllText(settings, JsonSerializer.Serialize(new
            {
                Sources = sources,
                Video = false,
                Threads = 1,
                Redis = new { Url = redis.Url, QueueCapacity = 8 },
                Reconnect = new { StallSeconds = 3, InitialDelayMs = 250, MaxDelaySeconds = 2 },
                Cluster = new { Enabled = true, Seeds = new[] { $"127.0.0.1:{ports["a"].Cluster}", $"127.0.0.1:{ports["b"].Cluster}" }, JoinTimeoutSeconds = 90 },
            }));
            RunningPipeline Start(string name) => RunningPipeline.Launch(ports[name].Http, null,
                "run", "--config", settings, "--node-name", name, "--cluster-port", ports[name].Cluster.ToString(CultureInfo.InvariantCulture),
                "--out", Path.Combine(output.Path, name), "--no-progress");
            foreach (string name in ports.Keys)
            {
                members[name] = Start(name);
            }

            using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
            var db = connection.GetDatabase();

            // 1. Every stream produces results, each on exactly one instance, two per instance once balanced.
            var owners = await WaitForAsync(() => OwnersAsync(members["a"]), o => o.Count == 3 && o.Values.All(s => s.Count == 2), TimeSpan.FromSeconds(150), "a fair share of the six streams for each of a, b and c");
            Assert.Equal(streams.Order(), owners.Values.SelectMany(s => s).Order());
            await WaitForAsync(async () => (await Task.WhenAll(streams.Select(s => db.StreamLengthAsync(Key(s))))).Min(), n => n > 0, TimeSpan.FromSeconds(90), "results of every stream in Redis");

            // 2. SIGKILL the instance c: its streams run again on a and b, with fresh entries, within 30 s.
            var moved = owners["c"];
            await members["c"].KillAsync();
            long killedAt = await RedisMillisecondsAsync(db);
            var clock = Stopwatch.StartNew();
            await WaitForAsync(async () => (await Task.WhenAll(streams.Select(s => LatestAsync(db, s)))).All(e => e is { } x && x.Ms > killedAt && x.Instance != "c"), fresh => fresh, TimeSpan.FromSeconds(90), "fresh results of every stream from a or b");
            var failover = clock.Elapsed;
            log.WriteLine($"failover: every stream of the killed instance ({string.Join(", ", moved)}) published again {failover.TotalSeconds:0.0} s after the SIGKILL");
            Assert.True(failover <= Failover, $"the streams of the killed instance ({string.Join(", ", moved)}) took {failover.TotalSeconds:0.0} s to produce results again elsewhere");
            foreach (string stream in streams)
            {
                var entries = await EntriesAsync(db, stream);
                Assert.DoesNotContain(entries, e => e.Instance == "c" && e.Ms > killedAt);
                AssertOneOwnerAtATime(stream, entries);
            }

            // 3. c comes back (same name, same port) and takes a share again.
            members["c"] = Start("c");
            await WaitForAsync(() => OwnersAsync(members["a"]), o => o.TryGetValue("c", out var s) && s.Count >= 1, TimeSpan.FromSeconds(150), "c owning streams again");
            await WaitForAsync(() => OwnersAsync(members["a"]), o => o.Count == 3 && o.Values.All(s => s.Count == 2), TimeSpan.FromSeconds(90), "the balance again");
            foreach (string stream in streams)
            {
                AssertOneOwnerAtATime(stream, await EntriesAsync(db, stream));
            }

            // 4. Redis dies and comes back (empty: it keeps nothing on disk): results resume, drops are counted, nobody crashes.
            redis.Kill();
            await Task.Delay(TimeSpan.FromSeconds(6));
            redis.Start();
            await WaitForAsync(async () => (await Task.WhenAll(streams.Select(s => db.StreamLengthAsync(Key(s))))).Min(), n => n > 0, TimeSpan.FromSeconds(90), "results of every stream in Redis after its restart");
            double dropped = 0;
            foreach (var member in members.Values)
            {
                Assert.False(member.HasExited, "an instance exited during the Redis outage");
                dropped += RunningPipeline.Value(await member.MetricsAsync(), "videomtl_sink_dropped_total{sink=\"redis\"}") ?? 0;
            }

            Assert.True(dropped > 0, "the results that did not fit the queue during the outage are counted");

            // 5. A clean SIGTERM of b hands its streams to a and c before it exits.
            var handed = (await OwnersAsync(members["a"]))["b"];
            var (exit, stderr) = await members["b"].StopAsync("TERM");
            Assert.True(exit == 0, stderr);
            Assert.Contains("cluster: leaving", stderr, StringComparison.Ordinal);
            var after = await WaitForAsync(() => OwnersAsync(members["a"]), o => !o.ContainsKey("b") && o.Values.Sum(s => s.Count) == 6, TimeSpan.FromSeconds(60), "b's streams on a and c");
            double leaves = 0;
            foreach (string name in new[] { "a", "c" })
            {
                leaves += RunningPipeline.Value(await members[name].MetricsAsync(), "videomtl_stream_handovers_total{reason=\"leave\"}") ?? 0;
            }

            Assert.True(leaves >= handed.Count, $"the streams b had ({string.Join(", ", handed)}) are counted as handed over on leave ({leaves})");
            Assert.Equal(streams.Order(), after.Values.SelectMany(s => s).Order());
        }
        finally
        {
            foreach (var member in members.Values)
            {
                await member.DisposeAsync();
            }

            foreach (var feed in feeds)
            {
                await feed.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_duplicate_node_name_and_a_second_cluster_on_the_same_redis_are_refused_with_one_line_each()
    {
        using var redis = new LoopbackRedisServer();
        using var output = new TemporaryDirectory();
        var environment = new Dictionary<string, string?> { ["VIDEOMTL__REDIS__URL"] = redis.Url };
        int seed = LoopbackPorts.Free();
        string[] Args(string name, int port, int seedPort) =>
        [
            "run", "--source", $"walk={TestData.WalkingMp4}", "--realtime", "--loop", "--no-video", "--threads", "1", "--out", Path.Combine(output.Path, name + port.ToString(CultureInfo.InvariantCulture)),
            "--cluster", "--node-name", name, "--cluster-port", port.ToString(CultureInfo.InvariantCulture), "--seed", $"127.0.0.1:{seedPort}", "--no-progress",
        ];
        await using var first = RunningPipeline.Launch(LoopbackPorts.Free(), environment, Args("x", seed, seed));
        await first.WaitForMetricAsync("videomtl_cluster_members{state=\"up\"}", v => v == 1);

        int other = LoopbackPorts.Free();
        var (exit, _, stderr) = CliProcess.Run(environment, [.. Args("x", other, seed), "--http-port", "0"]);
        AssertOneErrorLine(exit, stderr, $"is already in the cluster as 'x': give each instance its own Cluster:NodeName");

        int lone = LoopbackPorts.Free();
        (exit, _, stderr) = CliProcess.Run(environment, [.. Args("y", lone, lone), "--http-port", "0"]);
        AssertOneErrorLine(exit, stderr, $"holds the results of another cluster (videomtl@127.0.0.1:{seed}), not of this one (videomtl@127.0.0.1:{lone})");
        Assert.Equal(["x"], (await OwnersAsync(first)).Keys);
        Assert.False(first.HasExited, "the instance already in the cluster goes on");
    }

    private static void AssertOneErrorLine(int exit, string stderr, string expected)
    {
        Assert.True(exit != 0, stderr);
        var errors = stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1 && errors[0].Contains(expected, StringComparison.Ordinal), stderr);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static string Key(string stream) => $"videomtl:results:{stream}";

    /// <summary>
    /// A stream's entries never interleave two owners: frame numbers rise across every hand-over (the new owner
    /// continues after the old one's last published frame, and the old one publishes nothing after that).
    /// </summary>
    private static void AssertOneOwnerAtATime(string stream, List<(long Ms, long Frame, string Instance)> entries)
    {
        for (int i = 1; i < entries.Count; i++)
        {
            Assert.True(entries[i].Frame > entries[i - 1].Frame,
                $"{stream}: frame {entries[i].Frame} by {entries[i].Instance} follows frame {entries[i - 1].Frame} by {entries[i - 1].Instance}");
        }
    }

    private static async Task<List<(long Ms, long Frame, string Instance)>> EntriesAsync(IDatabase db, string stream) =>
        [.. (await db.StreamRangeAsync(Key(stream))).Select(Parse)];

    private static async Task<(long Ms, long Frame, string Instance)?> LatestAsync(IDatabase db, string stream)
    {
        var last = await db.StreamRangeAsync(Key(stream), "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 0 ? null : Parse(last[0]);
    }

    private static (long Ms, long Frame, string Instance) Parse(StreamEntry entry) => (
        long.Parse(entry.Id.ToString().Split('-')[0], CultureInfo.InvariantCulture),
        long.Parse(entry["frame"].ToString(), CultureInfo.InvariantCulture),
        entry["instance"].ToString());

    /// <summary>Redis's own clock (entry ids are stamped with it), in milliseconds.</summary>
    private static async Task<long> RedisMillisecondsAsync(IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return (long.Parse(time[0].ToString()!, CultureInfo.InvariantCulture) * 1000) + (long.Parse(time[1].ToString()!, CultureInfo.InvariantCulture) / 1000);
    }

    /// <summary>Which streams each member owns, by node name, from an instance's /cluster (empty while it cannot say).</summary>
    private static async Task<Dictionary<string, List<string>>> OwnersAsync(RunningPipeline member)
    {
        try
        {
            using var json = JsonDocument.Parse(await member.Http.GetStringAsync("/cluster"));
            return json.RootElement.GetProperty("members").EnumerateArray()
                .Where(m => m.GetProperty("state").GetString() == "up")
                .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("streams").EnumerateArray().Select(s => s.GetString()!).ToList());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return [];
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        T value = await probe();
        while (!done(value))
        {
            Assert.True(clock.Elapsed < limit, $"no {what} within {limit.TotalSeconds:0} s (last seen: {JsonSerializer.Serialize(value)})");
            await Task.Delay(500);
            value = await probe();
        }

        return value;
    }
}
