using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary><c>run</c> publishing to a real redis-server on loopback, and <c>results tail</c> reading it back.</summary>
public sealed class ResultsCommandTests
{
    [Fact]
    public void A_run_publishes_every_result_to_redis_and_results_tail_prints_them_once()
    {
        using var redis = new LoopbackRedisServer();
        using var temp = new TemporaryDirectory();
        var environment = new Dictionary<string, string?> { ["VIDEOMTL__REDIS__URL"] = redis.Url };
        var (exit, _, stderr) = CliProcess.Run(environment, "run", "--source", $"walk={TestData.WalkingMp4}", "--max-frames", "12", "--no-video", "--out", temp.Path, "--no-progress", "--http-port", "0");
        Assert.True(exit == 0, stderr);
        Assert.Contains($"results to redis://127.0.0.1:{redis.Port}/0", stderr, StringComparison.Ordinal);

        (exit, var stdout, stderr) = CliProcess.Run(environment, "results", "tail", "--from-start", "--count", "12", "--idle-seconds", "20");
        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("frame").GetInt64()));
        Assert.All(lines, l => Assert.Equal("walk", JsonDocument.Parse(l).RootElement.GetProperty("stream").GetString()));

        // The same lines as the NDJSON file: one result, published twice.
        Assert.Equal(
            File.ReadAllLines(Path.Combine(temp.Path, "walk.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("objects").GetRawText()),
            lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("objects").GetRawText()));

        // The group has read them all: a second tail in it waits for new ones and stops when idle.
        (exit, stdout, stderr) = CliProcess.Run(environment, "results", "tail", "--idle-seconds", "1");
        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Empty, stdout.Trim());
    }

    [Fact]
    public void Without_redis_results_tail_says_what_to_do_in_one_line()
    {
        var (exit, _, stderr) = CliProcess.Run(new Dictionary<string, string?> { ["VIDEOMTL__REDIS__URL"] = null }, "results", "tail", "--config", TestData.RepositoryRoot + "/config/videomtl.json");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: no Redis:Url in the settings", stderr.Trim(), StringComparison.Ordinal);

        int port = LoopbackPorts.Free();
        (exit, _, stderr) = CliProcess.Run(new Dictionary<string, string?> { ["VIDEOMTL__REDIS__URL"] = $"redis://user:s3cret@127.0.0.1:{port}" }, "results", "tail");
        Assert.Equal(1, exit);
        Assert.Equal($"error: Redis at redis://***@127.0.0.1:{port}/0 does not answer: start it, or fix Redis:Url", stderr.Trim());
    }
}
