using Microsoft.Extensions.Logging;
using VideoMtl.Pipeline.Sources;
using VideoMtl.TestSupport;

namespace VideoMtl.Pipeline.Tests;

/// <summary>
/// Outputs that fail mid-run (a full disk, a deleted folder): the failure is logged once and counted, that
/// output stops for that stream only, and every other output and stream carries on to the end.
/// </summary>
public sealed class SinkFailureTests : IClassFixture<PipelineFixture>
{
    private readonly PipelineFixture _fixture;

    public SinkFailureTests(PipelineFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task A_full_disk_stops_one_streams_ndjson_and_nothing_else()
    {
        using var output = new TemporaryDirectory();
        // /dev/full answers every write with ENOSPC, exactly as a full disk does.
        File.CreateSymbolicLink(Path.Combine(output.Path, "a.ndjson"), "/dev/full");
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var loggers = new RecordingLoggerFactory();

        var summary = await new PipelineRunner(Options(output.Path, "a=" + _fixture.ClipA, "b=" + _fixture.ClipB), loggers, registry: registry).RunAsync(CancellationToken.None);

        Assert.Equal([24L, 16L], summary.Streams.Select(s => s.Processed));
        Assert.All(summary.Streams, s => Assert.Null(s.Error));
        Assert.Equal(24, MediaProbe.CountFrames(Path.Combine(output.Path, "a.mp4"))); // a's video is unaffected
        var lines = File.ReadAllText(Path.Combine(output.Path, "b.ndjson"));
        Assert.EndsWith("\n", lines, StringComparison.Ordinal);
        Assert.Equal(16, lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var error = Assert.Single(loggers.Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.StartsWith("a: ndjson output failed and is switched off for this stream", error.Message, StringComparison.Ordinal);
        Assert.Contains("videomtl_sink_errors_total{sink=\"ndjson\",stream=\"a\"} 1\n", registry.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_output_folder_is_noticed_once_per_output_and_the_run_goes_on()
    {
        using var work = new TemporaryDirectory();
        string output = Path.Combine(work.Path, "results");
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var loggers = new RecordingLoggerFactory();
        var runner = new PipelineRunner(Options(output, "v=" + TestData.VtestAvi) with { MaxFramesPerSource = 90 }, loggers, registry: registry);
        var run = runner.RunAsync(CancellationToken.None);
        while (!run.IsCompleted && (runner.Streams.Count == 0 || runner.Streams[0].Processed < 8))
        {
            await Task.Delay(50);
        }

        Directory.Delete(output, recursive: true);
        var summary = await run;

        Assert.Equal(90, summary.Streams[0].Processed);
        Assert.Null(summary.Streams[0].Error);
        var errors = loggers.Logger.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, m => m.StartsWith("v: ndjson output failed", StringComparison.Ordinal) && m.Contains("was removed while being written", StringComparison.Ordinal));
        Assert.Contains(errors, m => m.StartsWith("v: video output failed", StringComparison.Ordinal) && m.Contains("was removed while being written", StringComparison.Ordinal));
        string metrics = registry.Scrape();
        Assert.Contains("videomtl_sink_errors_total{sink=\"ndjson\",stream=\"v\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("videomtl_sink_errors_total{sink=\"video\",stream=\"v\"} 1\n", metrics, StringComparison.Ordinal);
    }

    private PipelineOptions Options(string output, params string[] sources) =>
        new() { Sources = sources.Select(SourceSpec.Parse).ToList(), OutputDirectory = output, ModelPath = _fixture.ModelPath, IntraOpThreads = 2 };
}
