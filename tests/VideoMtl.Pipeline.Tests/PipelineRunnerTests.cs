using OpenCvSharp;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using VideoMtl.Pipeline.Sources;
using VideoMtl.TestSupport;
using VideoMtl.Vision;
using Xunit.Abstractions;

namespace VideoMtl.Pipeline.Tests;

public sealed class PipelineRunnerTests : IClassFixture<PipelineFixture>
{
    private readonly PipelineFixture _fixture;
    private readonly ITestOutputHelper _log;

    public PipelineRunnerTests(PipelineFixture fixture, ITestOutputHelper log)
    {
        _fixture = fixture;
        _log = log;
    }

    [Fact]
    public async Task Vtest_gives_795_ordered_results_a_795_frame_video_and_track_ids_that_repeat_on_a_second_run()
    {
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var summary = await Run(output.Path, [SourceSpec.Parse(TestData.VtestAvi)], registry);

        Assert.False(summary.Cancelled);
        var stream = Assert.Single(summary.Streams);
        Assert.Equal(("vtest", 795L, 795L, 0L), (stream.Name, stream.Captured, stream.Processed, stream.Dropped));
        var lines = ReadLines(Path.Combine(output.Path, "vtest.ndjson"));
        Assert.Equal(795, lines.Count);
        int withMaskedPeople = 0, withKeypoints = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(i, json.RootElement.GetProperty("frame").GetInt64());
            Assert.Equal(i * 100.0, json.RootElement.GetProperty("pts_ms").GetDouble(), 1);
            var objects = json.RootElement.GetProperty("objects").EnumerateArray().ToList();
            withMaskedPeople += objects.Any(o => o.GetProperty("class").GetString() == "person" && o.GetProperty("mask").ValueKind == JsonValueKind.Object) ? 1 : 0;
            withKeypoints += objects.Any(o => o.GetProperty("keypoints").ValueKind == JsonValueKind.Array) ? 1 : 0;
            Assert.True(json.RootElement.GetProperty("timing_ms").GetProperty("end_to_end").GetDouble() > 0);
        }

        Assert.True(withMaskedPeople > 700, $"{withMaskedPeople} frames with a masked person");
        Assert.True(withKeypoints > 600, $"{withKeypoints} frames with keypoints");
        Assert.Equal(795, MediaProbe.CountFrames(Path.Combine(output.Path, "vtest.mp4")));

        // Track ids: given from 1 up without gaps, never twice in one frame, on nearly every object, and
        // lasting: the figures are printed for the README.
        var tracks = TrackFigures.Read(lines);
        _log.WriteLine(tracks.ToString());
        Assert.Equal(Enumerable.Range(1, tracks.Ids), tracks.IdsInOrderOfFirstSight.Order());
        Assert.Equal(0, tracks.FramesWithARepeatedId);
        Assert.True(tracks.ShareWithId > 0.9, tracks.ToString());
        Assert.InRange(tracks.Ids, 15, 120);
        Assert.True(tracks.MeanLength >= 30, tracks.ToString());
        Assert.Contains($"videomtl_tracks_started_total{{stream=\"vtest\"}} {tracks.Ids}\n", registry.Scrape(), StringComparison.Ordinal);
        Assert.Matches(@"videomtl_tracks_active\{stream=""vtest""\} \d+", registry.Scrape());

        // The same file again (its first 200 frames, results only) gives the same objects with the same ids.
        using var again = new TemporaryDirectory();
        var options = new PipelineOptions
        {
            Sources = [SourceSpec.Parse(TestData.VtestAvi)], OutputDirectory = again.Path, ModelPath = _fixture.ModelPath, IntraOpThreads = 2,
            MaxFramesPerSource = 200, WriteVideo = false,
        };
        await new PipelineRunner(options, NullLoggerFactory.Instance).RunAsync(default);
        static string Objects(string line) => JsonDocument.Parse(line).RootElement.GetProperty("objects").GetRawText();
        Assert.Equal(lines.Take(200).Select(Objects), ReadLines(Path.Combine(again.Path, "vtest.ndjson")).Select(Objects));
    }

    [Fact]
    public async Task Two_sources_complete_in_one_run_with_frames_batched_across_them()
    {
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var running = Run(output.Path, [SourceSpec.Parse("a=" + _fixture.ClipA), SourceSpec.Parse("b=" + _fixture.ClipB)], registry: registry);

        // Gauges are read at scrape time, so they are checked while the run is on.
        string live = string.Empty;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline && !running.IsCompleted; await Task.Delay(100))
        {
            live = registry.Scrape();
            if (live.Contains("videomtl_stream_up{stream=\"a\"} 1", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.Contains("videomtl_stream_up{stream=\"a\"} 1", live, StringComparison.Ordinal);
        Assert.Matches(@"videomtl_queue_depth\{queue=""prepared_a""\} \d+", live);
        Assert.Matches(@"videomtl_stream_fps\{stream=""a""\} [0-9.E+-]+", live);
        Assert.Contains("process_resident_memory_bytes ", live, StringComparison.Ordinal);
        Assert.Contains("videomtl_build_info{", live, StringComparison.Ordinal);

        var summary = await running;
        Assert.Equal([24L, 16L], summary.Streams.Select(s => s.Processed));
        string metrics = registry.Scrape();
        Assert.Contains("videomtl_frames_captured_total{stream=\"a\"} 24\n", metrics, StringComparison.Ordinal);
        Assert.Contains("videomtl_frames_processed_total{stream=\"b\"} 16\n", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE videomtl_inference_batch_size histogram", metrics, StringComparison.Ordinal);
        Assert.Matches(@"videomtl_inference_batch_size_sum 40\n", metrics);
        Assert.Matches(@"videomtl_inference_batch_size_bucket\{le=""1""\} (\d+)\n", metrics);
        foreach (string stage in new[] { "decode", "preprocess", "inference", "postprocess", "track", "overlay", "encode" })
        {
            Assert.Contains($"videomtl_stage_duration_seconds_count{{stage=\"{stage}\"}}", metrics, StringComparison.Ordinal);
        }

        Assert.Matches(@"videomtl_objects_detected_total\{class=""person"",stream=""a""\} \d+", metrics);
        Assert.Contains("videomtl_end_to_end_latency_seconds_count{stream=\"a\"} 24", metrics, StringComparison.Ordinal);

        Assert.True(summary.BatchSizes.Skip(2).Sum() > 0, $"no batch above 1: [{string.Join(", ", summary.BatchSizes)}]");
        Assert.Equal(24, ReadLines(Path.Combine(output.Path, "a.ndjson")).Count);
        Assert.Equal(16, ReadLines(Path.Combine(output.Path, "b.ndjson")).Count);
        Assert.Equal(24, MediaProbe.CountFrames(Path.Combine(output.Path, "a.mp4")));
        Assert.Equal(16, MediaProbe.CountFrames(Path.Combine(output.Path, "b.mp4")));
    }

    [Fact]
    public async Task Cancelling_mid_file_leaves_whole_lines_and_a_playable_video()
    {
        using var output = new TemporaryDirectory();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var summary = await Run(output.Path, [SourceSpec.Parse(TestData.VtestAvi)], cancellation: cancel.Token);
        Assert.True(summary.Cancelled);
        var lines = ReadLines(Path.Combine(output.Path, "vtest.ndjson"));
        Assert.InRange(lines.Count, 1, 794);
        Assert.Equal(summary.Streams[0].Processed, lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(i, json.RootElement.GetProperty("frame").GetInt64());
        }

        Assert.Equal(lines.Count, MediaProbe.CountFrames(Path.Combine(output.Path, "vtest.mp4")));
    }

    [Fact]
    public async Task A_missing_source_ends_its_stream_with_the_reason()
    {
        using var output = new TemporaryDirectory();
        var summary = await Run(output.Path, [SourceSpec.Parse("gone=/no/such/clip.mp4"), SourceSpec.Parse("a=" + _fixture.ClipA)]);
        Assert.Equal("video file not found: /no/such/clip.mp4 (check the path)", summary.Streams[0].Error);
        Assert.Equal(24, summary.Streams[1].Processed);
    }

    [Fact]
    public async Task A_realtime_source_behind_a_slow_sink_drops_and_counts_instead_of_queueing()
    {
        using var output = new TemporaryDirectory();
        // Far slower than inference on any machine: busy with its first frame for longer than the 2.4 s clip
        // lasts, it can take that one and the one in its queue; the live stream publishes more than two even on
        // a loaded machine (pulled newest-first, it may drop many as stale too).
        var slow = new SlowSink(TimeSpan.FromMilliseconds(4000));
        var options = ClipA(output.Path) with
        {
            Realtime = true,
            WriteVideo = false,
            SinkQueueCapacity = 1,
        };
        var summary = await new PipelineRunner(options, NullLoggerFactory.Instance, [slow]).RunAsync(default);

        var stream = Assert.Single(summary.Streams);
        Assert.True(stream.IsLive);
        Assert.Equal(24, stream.Captured);
        Assert.True(stream.Dropped > 0, "nothing was dropped");
        Assert.True(slow.Written < stream.Processed, $"the slow sink saw {slow.Written} of {stream.Processed} frames");
        // The NDJSON sink is not held back by the slow one; its lines stay in frame order, with gaps where frames were dropped.
        var frames = ReadLines(Path.Combine(output.Path, "a.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("frame").GetInt64()).ToList();
        Assert.Equal(frames.Order(), frames);
        Assert.Equal(frames.Distinct().Count(), frames.Count);
        Assert.InRange(frames.Count, 1, (int)stream.Processed);
        Assert.True(frames.Count > slow.Written, $"ndjson has {frames.Count} lines, the slow sink took {slow.Written}");
        Assert.InRange(summary.FramePacketsCreated, 1, 40);
    }

    [Fact]
    public async Task An_image_folder_gives_one_result_per_image_and_skips_unreadable_ones()
    {
        using var images = new TemporaryDirectory();
        File.Copy(TestData.BusJpg, images.File("a-bus.jpg"));
        using (var capture = Vision.VideoFileReader.Open(_fixture.ClipA))
        using (var frame = new Mat())
        {
            capture.Read(frame, out _);
            Vision.ImageFile.Write(frame, images.File("b-street.png"));
        }

        using (var tiny = new Mat(1, 1, MatType.CV_8UC3, Scalar.All(0)))
        {
            Vision.ImageFile.Write(tiny, images.File("c-tiny.bmp"));
        }

        File.WriteAllText(images.File("d-broken.jpg"), "not a jpeg");
        File.WriteAllText(images.File("notes.txt"), "not an image at all");
        using var output = new TemporaryDirectory();

        var summary = await Run(output.Path, [SourceSpec.Parse("shots=" + images.Path)]);

        var stream = Assert.Single(summary.Streams);
        Assert.Null(stream.Error);
        Assert.Equal((3, 1), (stream.Processed, stream.Dropped));
        var lines = ReadLines(Path.Combine(output.Path, "shots.ndjson")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a-bus.jpg", "b-street.png", "c-tiny.bmp"], lines.Select(l => l.GetProperty("file").GetString()));
        Assert.Equal([(810, 1080), (768, 576), (1, 1)], lines.Select(l => (l.GetProperty("width").GetInt32(), l.GetProperty("height").GetInt32())));
        Assert.Contains(lines[0].GetProperty("objects").EnumerateArray(), o => o.GetProperty("class").GetString() == "bus");
        Assert.Equal(0, lines[2].GetProperty("objects").GetArrayLength());
        Assert.Equal(["a-bus.jpg", "b-street.png", "c-tiny.bmp"], Directory.GetFiles(Path.Combine(output.Path, "shots")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_live_stream_video_keeps_real_time_when_frames_are_dropped()
    {
        using var output = new TemporaryDirectory();
        var options = ClipA(output.Path) with { IntraOpThreads = 1, MaxBatch = 1, Realtime = true };
        var summary = await new PipelineRunner(options, NullLoggerFactory.Instance).RunAsync(default);

        var stream = Assert.Single(summary.Streams);
        Assert.True(stream.Dropped > 0, "inference on one thread must fall behind a 10 fps clip");
        // 24 frames at 10 fps last 2.4 s; written on the capture timeline, the mp4 lasts about as long even
        // though fewer frames were processed (a frame repeats until the next one is due).
        int written = MediaProbe.CountFrames(Path.Combine(output.Path, "a.mp4"));
        Assert.True(written > stream.Processed, $"{written} frames written for {stream.Processed} processed");
        Assert.InRange(written, 17, 31);
    }

    [Fact]
    public async Task Batched_and_single_frame_inference_give_the_same_results()
    {
        // Catches any sharing of output tensors between batches (each batch's outputs must stay intact
        // until its last frame is decoded) and a last, smaller batch (24 frames = 7 + 7 + 7 + 3).
        var lines = new List<List<string>>();
        foreach (int maxBatch in new[] { 1, 7 })
        {
            using var output = new TemporaryDirectory();
            var options = ClipA(output.Path) with { MaxBatch = maxBatch, MaxBatchWait = TimeSpan.FromSeconds(1), WriteVideo = false };
            var summary = await new PipelineRunner(options, NullLoggerFactory.Instance).RunAsync(default);
            Assert.Equal(24, summary.FramesProcessed);
            if (maxBatch > 1)
            {
                Assert.True(summary.MeanBatchSize > 2, $"mean batch {summary.MeanBatchSize}");
            }

            // Objects only: timings differ from run to run.
            lines.Add(ReadLines(Path.Combine(output.Path, "a.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("objects").GetRawText()).ToList());
        }

        Assert.Equal(lines[0], lines[1]);
    }

    /// <summary>Clip A into <paramref name="output"/> with the fixture's model on two threads.</summary>
    private PipelineOptions ClipA(string output) =>
        new() { Sources = [SourceSpec.Parse("a=" + _fixture.ClipA)], OutputDirectory = output, ModelPath = _fixture.ModelPath, IntraOpThreads = 2 };

    private Task<PipelineSummary> Run(string output, IReadOnlyList<SourceSpec> sources, Prometheus.CollectorRegistry? registry = null, CancellationToken cancellation = default) =>
        new PipelineRunner(
            new PipelineOptions { Sources = sources, OutputDirectory = output, ModelPath = _fixture.ModelPath, IntraOpThreads = 2 },
            NullLoggerFactory.Instance, registry: registry).RunAsync(cancellation);

    private static List<string> ReadLines(string path)
    {
        string text = File.ReadAllText(path);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>A sink that takes its time, standing in for a slow disk or network client.</summary>
    private sealed class SlowSink(TimeSpan delay) : Sinks.IFrameSink
    {
        private int _written;

        public int Written => _written;

        public string Name => "slow";

        public bool NeedsPixels => false;

        public bool Write(Pipeline.Stages.FramePacket packet)
        {
            Thread.Sleep(delay);
            Interlocked.Increment(ref _written);
            return false;
        }

        public void Complete()
        {
        }

        public void Dispose()
        {
        }
    }
}
