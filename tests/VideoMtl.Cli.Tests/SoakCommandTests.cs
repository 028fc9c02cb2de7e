using System.Text.Json;
using VideoMtl.Cli.Commands;
using VideoMtl.Cli.Live;
using VideoMtl.Cli.Soak;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

[Collection(LiveServersCollection.Name)]
public sealed class SoakCommandTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public SoakCommandTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public async Task A_short_soak_samples_every_interval_and_leaves_no_feed_running()
    {
        using var work = new TemporaryDirectory();
        string json = work.File("soak.json");

        var (exit, stdout, stderr) = CliProcess.Run(null, "soak", "--streams", "2", "--duration", "16s", "--interval", "4s", "--model", _model.Path, "--json", json);

        Assert.True(exit == 0, stderr);
        Assert.Contains("| all |", stdout, StringComparison.Ordinal);
        Assert.Matches($@"threads: {Environment.ProcessorCount} intra-op, spinning on: bare loop [\d.]+ frames/s, [\d.]+ of the best of the sweep", stdout);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(report.RootElement.GetProperty("sweep").GetProperty("best").GetProperty("fps").GetDouble() > 0);
        var samples = report.RootElement.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(4, samples.Count); // one per interval, none extra
        // Four intervals are too few to judge memory or drift: no verdict, so a busy machine cannot fail the run.
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("memory").GetProperty("plateaus").ValueKind);
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("latency").GetProperty("stable").ValueKind);
        // The feeds are live, so frames come in during every interval; how many get through one short interval
        // depends on what else the machine runs (a CI machine running other tests may finish no batch in 4 s).
        Assert.All(samples, s => Assert.All(s.GetProperty("streams").EnumerateArray(), t => Assert.True(t.GetProperty("in").GetInt64() > 0, "frames come in during every interval")));
        Assert.True(samples.Sum(s => s.GetProperty("latency_count").GetInt32()) > 0, "results reach the sinks and their latency is sampled");
        // End-to-end latency per stream and overall, beside the batch time of the same run; too short for a goal verdict.
        Assert.Matches(@"batch inference \d+ ms \(median, same run\): p50 x[\d.]+ .*p99 x[\d.]+", stdout);
        Assert.Contains("| s1 |", stdout, StringComparison.Ordinal);
        var live = report.RootElement.GetProperty("live");
        Assert.True(live.GetProperty("batch_inference_ms").GetDouble() > 0);
        Assert.Equal(2, live.GetProperty("streams").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, live.GetProperty("goals_met").ValueKind);
        var totals = report.RootElement.GetProperty("totals").EnumerateArray().ToList();
        Assert.Equal(2, totals.Count);
        Assert.All(totals, t => Assert.True(t.GetProperty("out").GetInt64() > 0 && t.GetProperty("in").GetInt64() >= t.GetProperty("out").GetInt64()));
        var (_, processes) = await Tool.RunAsync("ps", ["-eo", "args"], null);
        Assert.DoesNotContain(processes.Split('\n'), p => p.Contains("ffmpeg", StringComparison.Ordinal) && p.Contains("videomtl-soak-feed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1.5h", 5400)]
    [InlineData("45", 45)]
    public void Durations_read_as_people_write_them(string text, double seconds) =>
        Assert.Equal(seconds, SoakCommand.ParseDuration(text, "--duration").TotalSeconds);

    [Theory]
    [InlineData("soon")]
    [InlineData("-5m")]
    [InlineData("0s")]
    public void Bad_durations_are_named(string text) =>
        Assert.Contains("--duration", Assert.Throws<UserError>(() => SoakCommand.ParseDuration(text, "--duration")).Message, StringComparison.Ordinal);

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        double[] values = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        Assert.Equal(50, LatencyPercentiles.Percentile(values, 0.50));
        Assert.Equal(99, LatencyPercentiles.Percentile(values, 0.99));
        Assert.Equal(0, LatencyPercentiles.Percentile([], 0.99));
    }
}
