using System.Diagnostics;
using VideoMtl.Cli.Soak;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// Live sources served by real servers on loopback (GStreamer's RTSP server, ffmpeg's HTTP MJPEG as the soak
/// command serves it), killed mid-run and started again: the stream goes down and comes back within
/// seconds, the metrics say so, the other stream never stops, and the password in the camera URL appears
/// nowhere.
/// </summary>
[Collection(LiveServersCollection.Name)]
public sealed class LiveSourceRecoveryTests
{
    private const string Password = "s3cret-Pa55word";

    [Fact]
    public async Task KilledServersAreReconnectedWhileTheOtherStreamKeepsRunning()
    {
        using var rtsp = new LoopbackRtspServer();
        await using var http = new LoopbackMjpegFeed(TestData.VtestAvi, "feed.mjpg", width: 384);
        await rtsp.StartAsync();
        await http.StartAsync();
        using var output = new TemporaryDirectory();
        string camera = rtsp.Url.Replace("rtsp://", $"rtsp://viewer:{Password}@", StringComparison.Ordinal);
        var environment = new Dictionary<string, string?>
        {
            // Short delays keep the test quick; the logic is the same as with the defaults.
            ["VIDEOMTL__RECONNECT__STALLSECONDS"] = "3",
            ["VIDEOMTL__RECONNECT__INITIALDELAYMS"] = "250",
            ["VIDEOMTL__RECONNECT__MAXDELAYSECONDS"] = "2",
        };
        await using var run = await RunningPipeline.StartAsync(
            "cam", environment, "run", "--source", $"cam={camera}", "--source", $"web={http.Url}", "--out", output.Path, "--no-progress");
        await run.WaitForMetricAsync(Series("frames_processed_total", "web"), v => v > 0);

        // 1. The RTSP server dies: cam goes down, web keeps producing results.
        rtsp.Stop();
        await run.WaitForMetricAsync(Series("stream_up", "cam"), v => v == 0, seconds: 20);
        string metrics = await run.MetricsAsync();
        double webBefore = RunningPipeline.Value(metrics, Series("frames_processed_total", "web"))!.Value;
        await run.WaitForMetricAsync(Series("frames_processed_total", "web"), v => v >= webBefore + 5, seconds: 30);
        Assert.Equal(1, RunningPipeline.Value(await run.MetricsAsync(), Series("stream_up", "web")));
        string streams = await run.Http.GetStringAsync("/streams");
        Assert.Contains("\"state\":\"down\"", streams, StringComparison.Ordinal);

        // 2. It comes back on the same port: reconnected within 10 s, frames flow again.
        double camBefore = RunningPipeline.Value(await run.MetricsAsync(), Series("frames_processed_total", "cam"))!.Value;
        var sinceRestart = Stopwatch.StartNew();
        await rtsp.StartAsync();
        await run.WaitForMetricAsync(Series("stream_reconnects_total", "cam"), v => v >= 1, seconds: 30);
        await run.WaitForMetricAsync(Series("stream_up", "cam"), v => v == 1, seconds: 30);
        var reconnectTime = sinceRestart.Elapsed;
        Assert.True(reconnectTime < TimeSpan.FromSeconds(10), $"cam took {reconnectTime.TotalSeconds:0.0} s to reconnect");
        await run.WaitForMetricAsync(Series("frames_processed_total", "cam"), v => v > camBefore + 3, seconds: 30);

        // 3. The same for the HTTP MJPEG stream.
        await http.StopAsync();
        await run.WaitForMetricAsync(Series("stream_up", "web"), v => v == 0, seconds: 20);
        double webDown = RunningPipeline.Value(await run.MetricsAsync(), Series("frames_processed_total", "web"))!.Value;
        await http.StartAsync();
        await run.WaitForMetricAsync(Series("stream_reconnects_total", "web"), v => v >= 1, seconds: 30);
        await run.WaitForMetricAsync(Series("frames_processed_total", "web"), v => v > webDown + 3, seconds: 30);
        Assert.Equal(1, RunningPipeline.Value(await run.MetricsAsync(), Series("stream_up", "cam")));

        // 4. The password is in no output: metrics, /streams, logs, file names, NDJSON.
        metrics = await run.MetricsAsync();
        streams = await run.Http.GetStringAsync("/streams");
        var (exitCode, stderr) = await run.StopAsync();
        Assert.Equal(0, exitCode);
        Assert.Contains("cam: down:", stderr, StringComparison.Ordinal);
        Assert.Contains("cam: up again after", stderr, StringComparison.Ordinal);
        Assert.Contains("rtsp://***@127.0.0.1", streams, StringComparison.Ordinal);
        foreach (var (what, text) in new[] { ("metrics", metrics), ("/streams", streams), ("stderr", stderr) })
        {
            Assert.False(text.Contains(Password, StringComparison.Ordinal), $"the password leaked into {what}");
        }

        var files = Directory.GetFiles(output.Path, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("cam.ndjson", StringComparison.Ordinal));
        foreach (string file in files)
        {
            Assert.DoesNotContain(Password, file, StringComparison.Ordinal);
            Assert.False(File.ReadAllText(file).Contains(Password, StringComparison.Ordinal), $"the password leaked into {file}");
        }

        // Frame numbers of cam keep rising across the reconnect (no restart from 0, no duplicates).
        var frames = File.ReadLines(Path.Combine(output.Path, "cam.ndjson"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("frame").GetInt64()).ToList();
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second > p.First), "cam frame numbers must rise");
    }

    [Fact]
    public async Task A_killed_ffmpeg_child_is_replaced_and_a_killed_encoder_leaves_a_playable_mp4()
    {
        using var rtsp = new LoopbackRtspServer("kill-me");
        await rtsp.StartAsync();
        using var output = new TemporaryDirectory();
        var environment = new Dictionary<string, string?>
        {
            ["VIDEOMTL__RECONNECT__STALLSECONDS"] = "3",
            ["VIDEOMTL__RECONNECT__INITIALDELAYMS"] = "250",
            ["VIDEOMTL__RECONNECT__MAXDELAYSECONDS"] = "2",
        };
        await using var run = await RunningPipeline.StartAsync("cam", environment, "run", "--source", $"cam={rtsp.Url}", "--out", output.Path, "--no-progress");
        await run.WaitForMetricAsync(Series("frames_processed_total", "cam"), v => v > 3);

        // 1. The source's ffmpeg dies (SIGKILL): a new one is started and frames flow again.
        int reader = await ChildAsync(rtsp.Url);
        Process.GetProcessById(reader).Kill();
        await run.WaitForMetricAsync(Series("stream_reconnects_total", "cam"), v => v >= 1, seconds: 30);
        double after = RunningPipeline.Value(await run.MetricsAsync(), Series("frames_processed_total", "cam"))!.Value;
        await run.WaitForMetricAsync(Series("frames_processed_total", "cam"), v => v > after + 3, seconds: 30);
        Assert.NotEqual(reader, await ChildAsync(rtsp.Url));

        // 2. The encoder's ffmpeg dies: that output stops, the stream goes on, the mp4 plays up to the kill.
        string mp4 = Path.Combine(output.Path, "cam.mp4");
        await Task.Delay(TimeSpan.FromSeconds(3)); // a fragment or two on disk
        Process.GetProcessById(await ChildAsync(mp4)).Kill();
        await run.WaitForMetricAsync("videomtl_sink_errors_total{sink=\"video\",stream=\"cam\"}", v => v >= 1, seconds: 30);
        after = RunningPipeline.Value(await run.MetricsAsync(), Series("frames_processed_total", "cam"))!.Value;
        await run.WaitForMetricAsync(Series("frames_processed_total", "cam"), v => v > after + 3, seconds: 30);
        var (exitCode, stderr) = await run.StopAsync();
        Assert.Equal(0, exitCode);
        Assert.Contains("cam: video output failed", stderr, StringComparison.Ordinal);
        Assert.True(MediaProbe.CountFrames(mp4) > 0, "the mp4 written before the kill plays");

        // 3. No ffmpeg of this run is left.
        var (_, processes) = await Tool.RunAsync("ps", ["-eo", "args"], null);
        Assert.DoesNotContain(processes.Split('\n'), p => p.Contains("ffmpeg", StringComparison.Ordinal) && (p.Contains(rtsp.Url, StringComparison.Ordinal) || p.Contains(output.Path, StringComparison.Ordinal)));
    }

    /// <summary>The pid of the one running ffmpeg whose command line names <paramref name="needle"/>.</summary>
    private static async Task<int> ChildAsync(string needle)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
        {
            var (_, processes) = await Tool.RunAsync("ps", ["-eo", "pid=,args="], null);
            var match = processes.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("ffmpeg", StringComparison.Ordinal) && l.Contains(needle, StringComparison.Ordinal));
            if (match is not null)
            {
                return int.Parse(match.Split(' ', 2)[0], System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.True(DateTime.UtcNow < deadline, $"no ffmpeg for {needle} is running");
        }
    }

    private static string Series(string name, string stream) => $"videomtl_{name}{{stream=\"{stream}\"}}";
}
