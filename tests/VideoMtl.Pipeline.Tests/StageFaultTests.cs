using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Sources;
using VideoMtl.Pipeline.Stages;
using VideoMtl.TestSupport;

namespace VideoMtl.Pipeline.Tests;

/// <summary>
/// A throwing stand-in for each stage and sink, at the first frame, mid-run and while draining after a stop:
/// the run always ends within a bound (never a hang), the fault is isolated to its stream or ends the run with
/// one clear error, what was written stays whole, and every frame packet is back in its pool.
/// </summary>
public sealed class StageFaultTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("capture", 0)]
    [InlineData("capture", 10)]
    [InlineData("preprocess", 0)]
    [InlineData("preprocess", 10)]
    public async Task A_per_stream_fault_fails_only_that_stream(string stage, long atFrame)
    {
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var options = Options(output.Path, ["bad=" + fixture.ClipA, "good=" + fixture.ClipB]) with
        {
            FaultInjection = (s, packet) => Throw(s == stage && packet.Stream.Name == "bad" && packet.FrameIndex == atFrame, s),
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance, registry: registry);

        var summary = await runner.RunAsync(default).WaitAsync(Bound);

        var bad = summary.Streams[0];
        Assert.Equal(StreamStatus.Failed, bad.Status);
        Assert.Contains($"injected {stage} fault", bad.Error, StringComparison.Ordinal);
        Assert.InRange(bad.Processed, 0, atFrame);
        var good = summary.Streams[1];
        Assert.Equal((StreamStatus.Completed, 16L), (good.Status, good.Processed));
        Assert.Contains($"videomtl_stage_faults_total{{stage=\"{stage}\"}} 1", registry.Scrape(), StringComparison.Ordinal);
        AssertWholeLines(Path.Combine(output.Path, "good.ndjson"), 16);
        AssertEverythingReturned(runner);
    }

    [Fact]
    public async Task A_live_streams_preprocess_fault_fails_only_that_stream()
    {
        // Realtime files are live streams: their frames are letterboxed by the batcher once chosen, not by a worker of their own.
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var options = Options(output.Path, ["bad=" + fixture.ClipA, "good=" + fixture.ClipB]) with
        {
            Realtime = true,
            FaultInjection = (s, packet) => Throw(s == "preprocess" && packet.Stream.Name == "bad" && packet.FrameIndex >= 3, s),
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance, registry: registry);

        var summary = await runner.RunAsync(default).WaitAsync(Bound);

        var bad = summary.Streams[0];
        Assert.Equal(StreamStatus.Failed, bad.Status);
        Assert.Contains("injected preprocess fault", bad.Error, StringComparison.Ordinal);
        var good = summary.Streams[1];
        Assert.Equal(StreamStatus.Completed, good.Status);
        Assert.True(good.Processed > 0, "the other live stream went on");
        Assert.Contains("videomtl_stage_faults_total{stage=\"preprocess\"} 1", registry.Scrape(), StringComparison.Ordinal);
        AssertEverythingReturned(runner);
    }

    [Theory]
    [InlineData("inference", 0)]
    [InlineData("inference", 12)]
    [InlineData("postprocess", 0)]
    [InlineData("postprocess", 12)]
    public async Task A_shared_stage_fault_ends_the_run_with_one_clear_error_and_whole_outputs(string stage, long atFrame)
    {
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var options = Options(output.Path, ["a=" + fixture.ClipA]) with
        {
            FaultInjection = (s, packet) => Throw(s == stage && packet.FrameIndex >= atFrame, s),
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance, registry: registry);

        var e = await Assert.ThrowsAsync<PipelineFaultException>(() => runner.RunAsync(default).WaitAsync(Bound));

        Assert.Equal(stage, e.Stage);
        Assert.StartsWith($"{stage} failed, the run stopped", e.Message, StringComparison.Ordinal);
        Assert.Contains($"injected {stage} fault", e.Message, StringComparison.Ordinal);
        Assert.Contains($"videomtl_stage_faults_total{{stage=\"{stage}\"}} 1", registry.Scrape(), StringComparison.Ordinal);
        int lines = AssertWholeLines(Path.Combine(output.Path, "a.ndjson"), expected: null);
        Assert.InRange(lines, 0, (int)atFrame);
        if (lines > 0)
        {
            Assert.Equal(lines, MediaProbe.CountFrames(Path.Combine(output.Path, "a.mp4")));
        }

        AssertEverythingReturned(runner);
    }

    [Fact]
    public async Task An_unexpected_sink_fault_switches_that_sink_off_for_the_stream_and_the_rest_goes_on()
    {
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var runner = new PipelineRunner(Options(output.Path, ["a=" + fixture.ClipA]), NullLoggerFactory.Instance, [new ThrowingSink(atFrame: 5)], registry);

        var summary = await runner.RunAsync(default).WaitAsync(Bound);

        Assert.Equal(24, summary.Streams[0].Processed);
        AssertWholeLines(Path.Combine(output.Path, "a.ndjson"), 24);
        Assert.Equal(24, MediaProbe.CountFrames(Path.Combine(output.Path, "a.mp4")));
        string scrape = registry.Scrape();
        Assert.Contains("videomtl_stage_faults_total{stage=\"sink\"} 1", scrape, StringComparison.Ordinal);
        Assert.Contains("videomtl_sink_errors_total{sink=\"throwing\",stream=\"a\"} 1", scrape, StringComparison.Ordinal);
        AssertEverythingReturned(runner);
    }

    [Fact]
    public async Task A_fault_while_draining_after_a_stop_still_ends_the_run()
    {
        using var output = new TemporaryDirectory();
        using var stop = new CancellationTokenSource();
        var options = Options(output.Path, ["a=" + fixture.ClipA]) with
        {
            FaultInjection = (s, packet) =>
            {
                if (s == "capture" && packet.FrameIndex == 8)
                {
                    stop.Cancel(); // the stop comes here; the fault follows while the frames in flight drain
                }

                Throw(s == "postprocess" && stop.IsCancellationRequested, s);
            },
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance);
        await Assert.ThrowsAsync<PipelineFaultException>(() => runner.RunAsync(stop.Token).WaitAsync(Bound));
        AssertWholeLines(Path.Combine(output.Path, "a.ndjson"), expected: null);
        AssertEverythingReturned(runner);
    }

    [Fact]
    public async Task A_stop_before_the_model_has_loaded_returns_at_once_with_nothing_processed()
    {
        using var output = new TemporaryDirectory();
        using var stop = new CancellationTokenSource();
        var runner = new PipelineRunner(Options(output.Path, ["a=" + fixture.ClipA]), NullLoggerFactory.Instance);
        var clock = Stopwatch.StartNew();
        var running = runner.RunAsync(stop.Token);
        stop.Cancel(); // the model takes about a second to load: this comes well before it is ready
        var summary = await running.WaitAsync(Bound);
        Assert.True(summary.Cancelled);
        Assert.Equal(0, summary.FramesProcessed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(StreamStatus.Completed, summary.Streams[0].Status);
    }

    [Fact]
    public async Task A_stop_with_a_stuck_sink_ends_within_the_drain_timeout()
    {
        using var output = new TemporaryDirectory();
        using var stop = new CancellationTokenSource();
        var stuck = new StuckSink();
        var options = Options(output.Path, ["a=" + fixture.ClipA]) with { DrainTimeout = TimeSpan.FromSeconds(2), SinkQueueCapacity = 2 };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance, [stuck]);
        var running = runner.RunAsync(stop.Token);
        await stuck.FirstWrite.Task.WaitAsync(Bound);
        var clock = Stopwatch.StartNew();
        await stop.CancelAsync();
        stuck.Release(); // a sink that takes a while per frame, not for ever: the drain deadline ends the rest
        var summary = await running.WaitAsync(Bound);
        Assert.True(summary.Cancelled);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the stop took {clock.Elapsed}");
        AssertWholeLines(Path.Combine(output.Path, "a.ndjson"), expected: null);
        AssertEverythingReturned(runner);
    }

    /// <summary>Frames (and with them their mask buffers), tensor slots and ONNX Runtime's batch outputs.</summary>
    private static void AssertEverythingReturned(PipelineRunner runner)
    {
        Assert.Equal(0, runner.FramePacketsOutstanding);
        Assert.Equal(0, runner.TensorSlotsOutstanding);
        Assert.Equal(0, runner.BatchOutputsAlive);
    }

    private static void Throw(bool when, string stage)
    {
        if (when)
        {
            throw new InvalidOperationException($"injected {stage} fault");
        }
    }

    private PipelineOptions Options(string output, string[] sources) =>
        new() { Sources = [.. sources.Select(SourceSpec.Parse)], OutputDirectory = output, ModelPath = fixture.ModelPath, IntraOpThreads = 2 };

    /// <summary>Every line parses and the frames run 0, 1, 2, ...; returns the count.</summary>
    private static int AssertWholeLines(string path, int? expected)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        Assert.True(text.Length == 0 || text.EndsWith('\n'), "the NDJSON file ends inside a line");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(i, json.RootElement.GetProperty("frame").GetInt64());
        }

        if (expected is { } count)
        {
            Assert.Equal(count, lines.Length);
        }

        return lines.Length;
    }

    /// <summary>Throws a non-I/O exception at one frame: a bug in a sink, not a full disk.</summary>
    private sealed class ThrowingSink(long atFrame) : IFrameSink
    {
        public string Name => "throwing";

        public bool NeedsPixels => false;

        public bool Write(FramePacket packet) =>
            packet.FrameIndex == atFrame ? throw new InvalidOperationException("injected sink fault") : false;

        public void Abandon(StreamState stream)
        {
        }

        public void Complete()
        {
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Holds its first write until released, then takes a second per frame.</summary>
    private sealed class StuckSink : IFrameSink
    {
        private readonly ManualResetEventSlim _release = new();

        public TaskCompletionSource FirstWrite { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "stuck";

        public bool NeedsPixels => false;

        public void Release() => _release.Set();

        public bool Write(FramePacket packet)
        {
            FirstWrite.TrySetResult();
            _release.Wait();
            Thread.Sleep(1000);
            return false;
        }

        public void Abandon(StreamState stream)
        {
        }

        public void Complete()
        {
        }

        public void Dispose() => _release.Dispose();
    }
}
