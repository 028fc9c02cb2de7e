using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using VideoMtl.Core.Model;
using VideoMtl.Pipeline.Sources;
using VideoMtl.TestSupport;

namespace VideoMtl.Pipeline.Tests;

/// <summary>
/// Streams with different task sets in one run, batched together: each stream's results carry only its tasks,
/// and what it does compute is what the full set computes for the same frames.
/// </summary>
public sealed class PerStreamTaskTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task Each_stream_gets_only_its_tasks_and_the_same_boxes_as_the_full_set()
    {
        using var output = new TemporaryDirectory();
        var options = new PipelineOptions
        {
            // The same clip three times: a detect stream, a pose stream and one with the run's default (everything).
            Sources = [SourceSpec.Parse("d=" + fixture.ClipA) with { Tasks = ModelTasks.Detect }, SourceSpec.Parse("all=" + fixture.ClipA), SourceSpec.Parse("p=" + fixture.ClipA) with { Tasks = TaskNames.Parse("pose", "test") }],
            OutputDirectory = output.Path,
            ModelPath = fixture.ModelPath,
            IntraOpThreads = 2,
            WriteVideo = false,
            Tracking = new Core.Tracking.TrackerOptions { Enabled = false }, // each stream's objects straight from its decoder
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance);

        var summary = await runner.RunAsync(default).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal([ModelTasks.Detect, ModelTasks.All, ModelTasks.Detect | ModelTasks.Pose], summary.Streams.Select(s => s.Tasks));
        var detect = Frames(output.File("d.ndjson"));
        var all = Frames(output.File("all.ndjson"));
        var pose = Frames(output.File("p.ndjson"));
        Assert.Equal(24, detect.Count);
        int masks = 0, keypoints = 0;
        for (int f = 0; f < detect.Count; f++)
        {
            Assert.All(detect[f], o => Assert.True(o.Mask is null && o.Keypoints is null, "a detect stream has no masks and no keypoints"));
            Assert.All(pose[f], o => Assert.Null(o.Mask));
            // The detection head's objects come first in every set (unmatched poses are added after them).
            Assert.Equal(detect[f].Select(o => o.Box), all[f].Take(detect[f].Count).Select(o => o.Box));
            Assert.Equal(all[f].Select(o => o.Box), pose[f].Select(o => o.Box));
            Assert.Equal(all[f].Select(o => o.Keypoints), pose[f].Select(o => o.Keypoints));
            masks += all[f].Count(o => o.Mask is not null);
            keypoints += pose[f].Count(o => o.Keypoints is not null);
        }

        Assert.True(masks > 0 && keypoints > 0, $"the full set has masks ({masks}) and the pose stream keypoints ({keypoints})");
    }

    [Fact]
    public async Task A_run_of_detect_streams_never_runs_the_pose_network_or_the_mask_prototypes()
    {
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var options = new PipelineOptions
        {
            Sources = [SourceSpec.Parse("a=" + fixture.ClipA), SourceSpec.Parse("b=" + fixture.ClipB)],
            Tasks = ModelTasks.Detect,
            OutputDirectory = output.Path,
            ModelPath = fixture.ModelPath,
            IntraOpThreads = 2,
            WriteVideo = false,
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance, registry: registry);

        var summary = await runner.RunAsync(default).WaitAsync(TimeSpan.FromSeconds(120));

        long batches = summary.BatchSizes.Sum();
        Assert.True(batches > 0);
        string scrape = registry.Scrape();
        Assert.Equal(batches, Value(scrape, "videomtl_head_runs_total{task=\"detect\"}"));
        Assert.Equal(0, Value(scrape, "videomtl_head_runs_total{task=\"pose\"}"));
        Assert.Equal(0, Value(scrape, "videomtl_head_runs_total{task=\"segment\"}"));
        Assert.Equal(batches, Value(scrape, "videomtl_head_skipped_total{reason=\"not_asked\",task=\"pose\"}"));
        Assert.Equal(batches, Value(scrape, "videomtl_head_skipped_total{reason=\"not_asked\",task=\"segment\"}"));
        Assert.Equal(40, summary.FramesProcessed);
    }

    [Fact]
    public async Task Auto_runs_no_pose_network_on_a_scene_without_people_and_runs_it_where_people_are()
    {
        using var output = new TemporaryDirectory();
        string empty = output.File("testsrc.mp4");
        var (made, log) = await Tool.RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=10", "-frames:v", "16", "-pix_fmt", "yuv420p", empty], null);
        Assert.True(made == 0, log);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var options = new PipelineOptions
        {
            Sources = [SourceSpec.Parse("empty=" + empty), SourceSpec.Parse("people=" + fixture.ClipA) with { Tasks = ModelTasks.All }],
            Tasks = TaskNames.Parse("auto", "test"),
            GateKeepAlive = TimeSpan.Zero, // no forced frames: what runs is what the detections asked for
            OutputDirectory = output.Path,
            ModelPath = fixture.ModelPath,
            IntraOpThreads = 2,
            WriteVideo = false,
            MaxBatch = 1, // one stream per call, so the counters tell the streams apart
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance, registry: registry);

        var summary = await runner.RunAsync(default).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(ModelTasks.All | ModelTasks.Auto, summary.Streams[0].Tasks);
        string scrape = registry.Scrape();
        // The empty scene's 16 frames were offered and none had a person; the people stream's 24 always run it.
        Assert.Equal(16, Value(scrape, "videomtl_head_skipped_total{reason=\"no_person\",task=\"pose\"}"));
        Assert.Equal(24, Value(scrape, "videomtl_head_runs_total{task=\"pose\"}"));
        Assert.All(Frames(output.File("empty.ndjson")), frame => Assert.All(frame, o => Assert.Null(o.Keypoints)));
        Assert.Contains(Frames(output.File("people.ndjson")), frame => frame.Any(o => o.Keypoints is not null));
    }

    [Fact]
    public async Task Auto_gives_pose_only_to_frames_with_a_person_and_their_keypoints_are_the_full_sets()
    {
        using var output = new TemporaryDirectory();
        var options = new PipelineOptions
        {
            // The same clip as an auto stream and an all-tasks stream: where auto computed pose, it is the same pose.
            Sources = [SourceSpec.Parse("auto=" + fixture.ClipA) with { Tasks = TaskNames.Parse("auto", "test") }, SourceSpec.Parse("all=" + fixture.ClipA)],
            GateKeepAlive = TimeSpan.Zero,
            OutputDirectory = output.Path,
            ModelPath = fixture.ModelPath,
            IntraOpThreads = 2,
            WriteVideo = false,
            Tracking = new Core.Tracking.TrackerOptions { Enabled = false },
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance);

        await runner.RunAsync(default).WaitAsync(TimeSpan.FromSeconds(120));

        var auto = Frames(output.File("auto.ndjson"));
        var all = Frames(output.File("all.ndjson"));
        for (int f = 0; f < auto.Count; f++)
        {
            if (auto[f].Any(o => o.Keypoints is not null))
            {
                Assert.Equal(all[f], auto[f]);
            }
        }

        Assert.Contains(auto, frame => frame.Any(o => o.Keypoints is not null));
    }

    private static double Value(string scrape, string series) =>
        scrape.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal)).Select(l => double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();

    private static List<List<(string Box, string? Mask, string? Keypoints)>> Frames(string path) =>
        [.. File.ReadAllLines(path).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.GetProperty("objects").EnumerateArray()
                .Select(o => (o.GetProperty("box").GetRawText(), Nullable(o.GetProperty("mask")), Nullable(o.GetProperty("keypoints"))))
                .ToList();
        })];

    private static string? Nullable(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetRawText();
}
