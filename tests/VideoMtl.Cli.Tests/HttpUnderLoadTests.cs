using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// Viewers never blind the monitoring: a real run's HTTP server under idle connections, preview clients that never
/// read, readers and a slow-header client, all on real loopback sockets.
/// </summary>
/// <remarks>Alone (the live-servers collection): the stall deadlines are real time, and another test's pipeline on the two cores would stretch them.</remarks>
[Collection(LiveServersCollection.Name)]
public sealed class HttpUnderLoadTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public HttpUnderLoadTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public async Task Monitoring_answers_whatever_the_viewers_do_and_the_gauges_come_back_to_zero()
    {
        using var output = new TemporaryDirectory();
        int management = LoopbackPorts.Free();
        var environment = new Dictionary<string, string?>
        {
            ["VIDEOMTL__HTTP__MAXVIEWERS"] = "20",
            ["VIDEOMTL__HTTP__VIEWERSTALLSECONDS"] = "2",
            ["VIDEOMTL__HTTP__MANAGEMENTPORT"] = management.ToString(CultureInfo.InvariantCulture),
        };
        await using var run = await RunningPipeline.StartAsync("cam", environment, "run", "--source", "cam=" + TestData.VtestAvi, "--loop", "--out", output.Path, "--model", _model.Path, "--no-video", "--no-progress");
        var sockets = new List<TcpClient>();
        using var stopReaders = new CancellationTokenSource();
        var readers = new List<Task<long>>();
        var readBytes = new long[5];
        try
        {
            // Five viewers that read, first, so they have places.
            for (int i = 0; i < readBytes.Length; i++)
            {
                int index = i;
                readers.Add(Task.Run(() => ReadMjpegAsync(run.Port, readBytes, index, stopReaders.Token)));
            }

            await Until(async () => RunningPipeline.Value(await run.MetricsAsync(), "videomtl_http_viewers{stream=\"cam\"}") >= 5, "the readers to be counted");

            // 200 connections that send nothing, 60 preview requests that never read, one header a byte a second.
            for (int i = 0; i < 200; i++)
            {
                sockets.Add(await ConnectAsync(run.Port));
            }

            for (int i = 0; i < 60; i++)
            {
                var client = await ConnectAsync(run.Port);
                await client.GetStream().WriteAsync("GET /streams/cam/mjpeg HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
                sockets.Add(client);
            }

            var slow = await ConnectAsync(run.Port);
            sockets.Add(slow);
            var slowClosed = Task.Run(() => SlowHeadersAsync(slow));

            // Monitoring answers every time, on the main port and on the management port.
            var scrapes = new List<(string What, HttpStatusCode Status, TimeSpan Took)>();
            using var side = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}"), Timeout = TimeSpan.FromSeconds(10) };
            for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(8);)
            {
                foreach (var (client, path) in new[] { (run.Http, "/metrics"), (run.Http, "/healthz"), (side, "/metrics"), (side, "/healthz") })
                {
                    var took = Stopwatch.StartNew();
                    using var response = await client.GetAsync(path);
                    scrapes.Add(($"{client.BaseAddress!.Port}{path}", response.StatusCode, took.Elapsed));
                }

                await Task.Delay(250);
            }

            Assert.All(scrapes, s => Assert.Equal(HttpStatusCode.OK, s.Status));
            Assert.True(scrapes.Count >= 40, $"{scrapes.Count} scrapes");

            // The budget: past 20, preview requests are turned away with a reason; silent ones are dropped as stalled.
            string metrics = await run.MetricsAsync();
            Assert.True(RunningPipeline.Value(metrics, "videomtl_http_rejected_total{reason=\"viewers\"}") >= 30, metrics);
            await Until(async () => RunningPipeline.Value(await run.MetricsAsync(), "videomtl_http_rejected_total{reason=\"stalled\"}") >= 5, "silent viewers to be dropped as stalled", run);
            using (var refused = await FillThenAskAsync(run))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal("5", refused.Headers.RetryAfter?.ToString());
                Assert.Contains("too many viewers", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // The readers kept getting frames, the slow-header client was closed, the management port serves nothing else.
            long before = readBytes.Sum();
            await Task.Delay(1500);
            Assert.True(readBytes.Sum() > before, "the reading viewers stopped getting frames");
            Assert.True(await slowClosed.WaitAsync(TimeSpan.FromSeconds(30)), "the slow-header client was never closed");
            using (var other = await side.GetAsync("/streams"))
            {
                Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            }
        }
        finally
        {
            stopReaders.Cancel();
            sockets.ForEach(s => s.Dispose());
            await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        }

        // Everyone gone: nobody is counted as watching.
        await Until(async () => RunningPipeline.Value(await run.MetricsAsync(), "videomtl_http_viewers{stream=\"cam\"}") == 0, "the viewer gauge to return to 0");

        // And their buffers are let go: what is left is what scrapes need (the pools keep 1 MiB each free).
        await Until(async () => RunningPipeline.Value(await run.MetricsAsync(), "videomtl_http_buffer_bytes") <= 4 << 20, "the HTTP buffers to be let go");
    }

    [Fact]
    public async Task A_crowd_of_readers_and_silent_viewers_leaves_the_pipeline_running_and_its_memory_comes_back()
    {
        using var output = new TemporaryDirectory();
        var environment = new Dictionary<string, string?> { ["VIDEOMTL__HTTP__VIEWERSTALLSECONDS"] = "2" };
        await using var run = await RunningPipeline.StartAsync("cam", environment, "run", "--source", "cam=" + TestData.VtestAvi, "--loop", "--out", output.Path, "--model", _model.Path, "--no-video", "--no-progress");
        await Task.Delay(TimeSpan.FromSeconds(5)); // past the start's own allocations
        long baseline = run.ResidentBytes();
        double processedBefore = Processed(await run.MetricsAsync());

        var sockets = new List<TcpClient>();
        using var stopReaders = new CancellationTokenSource();
        var readBytes = new long[100];
        var readers = Enumerable.Range(0, readBytes.Length).Select(i => Task.Run(() => ReadMjpegAsync(run.Port, readBytes, i, stopReaders.Token))).ToList();
        long peak = baseline;
        double processedDuring;
        try
        {
            for (int i = 0; i < 300; i++)
            {
                var client = await ConnectAsync(run.Port);
                await client.GetStream().WriteAsync("GET /streams/cam/mjpeg HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
                sockets.Add(client);
            }

            // Ten seconds of the crowd: every scrape answered, frames still processed, memory bounded.
            for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(500))
            {
                using var scrape = await run.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
                peak = Math.Max(peak, run.ResidentBytes());
            }

            processedDuring = Processed(await run.MetricsAsync());
            Assert.True(readBytes.Count(b => b > 0) >= 90, $"{readBytes.Count(b => b > 0)} of 100 readers got frames");
        }
        finally
        {
            stopReaders.Cancel();
            sockets.ForEach(s => s.Dispose());
            await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        }

        Assert.True(processedDuring > processedBefore + 5, $"the pipeline stalled under the crowd: {processedBefore} then {processedDuring} frames");
        Assert.True(peak - baseline < 200L << 20, $"RSS grew {(peak - baseline) >> 20} MiB under the crowd");

        // Gone: the gauges at 0, the buffers let go, and at least half of what the process grew by given back.
        await Until(async () => RunningPipeline.Value(await run.MetricsAsync(), "videomtl_http_viewers{stream=\"cam\"}") == 0, "the viewer gauge to return to 0", run);
        await Until(async () => RunningPipeline.Value(await run.MetricsAsync(), "videomtl_http_buffer_bytes") <= 4 << 20, "the HTTP buffers to be let go", run);
        long grew = peak - baseline;
        await Until(() => Task.FromResult(run.ResidentBytes() - baseline <= (grew / 2) + (16L << 20)), $"RSS to give back half of the {grew >> 20} MiB it grew by", run);
    }

    private static double Processed(string metrics) => RunningPipeline.Value(metrics, "videomtl_frames_processed_total{stream=\"cam\"}") ?? 0;

    /// <summary>With the budget full of readers, one more preview request: the 503 it gets.</summary>
    private static async Task<HttpResponseMessage> FillThenAskAsync(RunningPipeline run)
    {
        var holders = new List<HttpResponseMessage>();
        using var http = new HttpClient { BaseAddress = run.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            for (int i = 0; i < 40; i++)
            {
                var response = await http.GetAsync("/streams/cam/mjpeg", HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    var copy = new HttpResponseMessage(response.StatusCode) { Content = new StringContent(await response.Content.ReadAsStringAsync()) };
                    copy.Headers.RetryAfter = response.Headers.RetryAfter;
                    response.Dispose();
                    return copy;
                }

                holders.Add(response);
            }

            Assert.Fail("40 more preview requests were all admitted over a budget of 20");
            return null!;
        }
        finally
        {
            holders.ForEach(h => h.Dispose());
        }
    }

    private static async Task<long> ReadMjpegAsync(int port, long[] counts, int index, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var response = await http.GetAsync($"http://127.0.0.1:{port}/streams/cam/mjpeg", HttpCompletionOption.ResponseHeadersRead, stop);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(stop);
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, stop)) > 0)
            {
                Interlocked.Add(ref counts[index], read);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return counts[index];
    }

    /// <summary>Sends a request's headers a byte a second; true once the server closes the connection.</summary>
    private static async Task<bool> SlowHeadersAsync(TcpClient client)
    {
        var stream = client.GetStream();
        byte[] request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"u8.ToArray();
        try
        {
            foreach (byte b in request)
            {
                await stream.WriteAsync(new[] { b });
                await Task.Delay(1000);
                if (client.Client.Poll(0, SelectMode.SelectRead) && client.Client.Available == 0)
                {
                    return true; // closed by the server
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            return true;
        }

        return false;
    }

    private static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    private static async Task Until(Func<Task<bool>> condition, string what, RunningPipeline? run = null)
    {
        for (var deadline = Stopwatch.StartNew(); !await condition(); await Task.Delay(250))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                string metrics = run is null ? string.Empty : string.Join('\n', (await run.MetricsAsync()).Split('\n').Where(l => l.StartsWith("videomtl_http_", StringComparison.Ordinal) || l.StartsWith("videomtl_frames_processed", StringComparison.Ordinal)));
                Assert.Fail($"timed out waiting for {what}\n{metrics}");
            }
        }
    }
}
