using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary><c>videomtl bench --live</c>: real ffmpeg feeds on loopback, latency per stream against the batch time.</summary>
[Collection(LiveServersCollection.Name)]
public sealed class BenchLiveCommandTests(InferCommandTests.BuiltModel model) : IClassFixture<InferCommandTests.BuiltModel>
{
    [Fact]
    public async Task Bench_live_reports_latency_per_stream_against_the_batch_time_and_stops_its_feeds()
    {
        var (exit, stdout, stderr) = CliProcess.Run(null, "bench", "--live", "2", "--live-duration", "15s", "--source", TestData.VtestAvi, "--model", model.Path, "--json", "-");

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(["s1", "s2"], root.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.All(root.GetProperty("streams").EnumerateArray(), s => Assert.True(s.GetProperty("results_per_second").GetDouble() > 0, "both feeds get results"));
        var overall = root.GetProperty("overall");
        Assert.True(overall.GetProperty("count").GetInt32() > 0);
        Assert.True(overall.GetProperty("p50_ms").GetDouble() <= overall.GetProperty("p99_ms").GetDouble());
        double batch = root.GetProperty("batch_ms").GetDouble();
        Assert.True(batch > 0);
        // A result includes its batch's inference, so it cannot be younger than the batch time.
        Assert.True(overall.GetProperty("p50_ms").GetDouble() >= batch * 0.5, $"p50 {overall.GetProperty("p50_ms").GetDouble()} ms against batch {batch} ms");
        Assert.Equal(overall.GetProperty("p99_ms").GetDouble() / batch, root.GetProperty("p99_ratio").GetDouble(), 6);
        var (_, processes) = await Tool.RunAsync("ps", ["-eo", "args"], null);
        Assert.DoesNotContain(processes.Split('\n'), p => p.Contains("ffmpeg", StringComparison.Ordinal) && p.Contains("videomtl-bench-feed", StringComparison.Ordinal));
    }
}
