using System.Text.Json;
using VideoMtl.Cli.Bench;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary><c>videomtl bench</c> end to end on a few frames: every section is measured and reported.</summary>
public sealed class BenchCommandTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public BenchCommandTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public void Compare_measures_two_models_ceilings_and_flops_side_by_side()
    {
        // The model against itself: the same GFLOPs, both ceilings measured.
        var (exit, stdout, stderr) = CliProcess.Run(null, "bench", "--source", TestData.VtestAvi, "--model", _model.Path, "--compare", _model.Path, "--frames", "8", "--json", "-");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("fps_a").GetDouble() > 0 && root.GetProperty("fps_b").GetDouble() > 0);
        Assert.InRange(root.GetProperty("giga_flops_a").GetDouble(), 20, 22);
        Assert.Equal(root.GetProperty("giga_flops_a").GetDouble(), root.GetProperty("giga_flops_b").GetDouble());
        Assert.Equal(4, stderr.Split('\n').Count(l => l.StartsWith("bench: bare Run loop", StringComparison.Ordinal)));

        (exit, _, stderr) = CliProcess.Run(null, "bench", "--model", _model.Path, "--compare", "/no/model.onnx");
        Assert.Equal(1, exit);
        Assert.Equal("error: --compare /no/model.onnx: model not found", stderr.Trim());
    }

    [Fact]
    public void Task_sets_report_their_flops_and_ceilings_and_detect_computes_less()
    {
        var (exit, stdout, stderr) = CliProcess.Run(null, "bench", "--source", TestData.VtestAvi, "--model", _model.Path, "--tasks", "detect", "--tasks", "all", "--frames", "8", "--json", "-");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["detect", "detect,segment,pose"], rows.Select(r => r.GetProperty("tasks").GetString()));
        Assert.True(json.RootElement.GetProperty("gated").GetBoolean());
        double detect = rows[0].GetProperty("giga_flops").GetDouble(), all = rows[1].GetProperty("giga_flops").GetDouble();
        Assert.InRange(all, 20, 22);
        Assert.InRange(detect / all, 0.35, 0.55); // the segmentation network without its prototypes
        Assert.All(rows, r => Assert.True(r.GetProperty("frames_per_second").GetDouble() > 0));
        Assert.Equal(4, stderr.Split('\n').Count(l => l.StartsWith("bench: bare Run loop", StringComparison.Ordinal)));

        (exit, _, stderr) = CliProcess.Run(null, "bench", "--model", _model.Path, "--tasks", "depth");
        Assert.Equal(1, exit);
        Assert.Equal("error: --tasks 'depth': unknown task 'depth': use detect, segment, pose (comma-separated), all, or auto", stderr.Trim());
    }

    [Fact]
    public void A_short_bench_reports_every_figure_as_json()
    {
        var (exit, stdout, stderr) = CliProcess.Run(null, "bench", "--source", TestData.VtestAvi, "--model", _model.Path, "--frames", "16", "--no-batching", "--json", "-");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(768, root.GetProperty("setup").GetProperty("width").GetInt32());
        Assert.True(root.GetProperty("ceiling_fps").GetDouble() > 0);
        Assert.True(root.GetProperty("decode_fps").GetDouble() > root.GetProperty("ceiling_fps").GetDouble(), "decoding alone must outrun the model");
        Assert.True(root.GetProperty("decode_fps_ffmpeg").GetDouble() > root.GetProperty("ceiling_fps").GetDouble(), "so must decoding in an ffmpeg child");
        foreach (string run in new[] { "sinks_on", "sinks_off" })
        {
            var figures = root.GetProperty(run);
            Assert.Equal(16, figures.GetProperty("frames").GetInt64());
            Assert.True(figures.GetProperty("steady_fps").GetDouble() > 0);
            Assert.True(figures.GetProperty("stage_ms_per_frame").GetProperty("inference").GetDouble() > 0);
            Assert.True(figures.GetProperty("stage_ms_per_frame").GetProperty("track").GetDouble() > 0, "the tracker's time is shown");
            Assert.True(figures.GetProperty("objects_per_frame").GetDouble() > 1, "vtest frames show several people");
        }

        Assert.True(root.GetProperty("sinks_on").GetProperty("stage_ms_per_frame").GetProperty("encode").GetDouble() > 0, "the mp4 sink encodes");
        Assert.Equal(0, root.GetProperty("sinks_off").GetProperty("stage_ms_per_frame").GetProperty("overlay").GetDouble());
        Assert.True(root.GetProperty("host_alone").GetProperty("total_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("host_alone").GetProperty("track_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("ort_defaults_fps").GetDouble() > 0);
        Assert.Equal(6, root.GetProperty("targets").GetArrayLength());

        // The sweep: every thread count from 1 to the CPUs (on a small machine), spinning on and off, and the
        // best of them is what the pipeline is judged against.
        var sweep = root.GetProperty("sweep");
        var points = sweep.GetProperty("points").EnumerateArray().Select(p => (p.GetProperty("threads").GetInt32(), p.GetProperty("spinning").GetBoolean(), p.GetProperty("fps").GetDouble())).ToList();
        Assert.Contains(points, p => p.Item1 == 1 && p.Item2);
        Assert.Contains(points, p => p.Item1 == Environment.ProcessorCount && !p.Item2);
        Assert.All(points, p => Assert.True(p.Item3 > 0));
        double best = sweep.GetProperty("best").GetProperty("fps").GetDouble();
        Assert.Equal(points.Max(p => p.Item3), best);
        Assert.Equal(Environment.ProcessorCount, sweep.GetProperty("run_settings").GetProperty("threads").GetInt32());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("setup").GetProperty("threads").GetInt32());
        Assert.Contains("bench: inference ceiling", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sweep_names_the_setting_to_change_only_when_the_run_is_more_than_5_percent_slower()
    {
        SweepPoint[] points = [new(1, true, 7.0), new(1, false, 6.8), new(2, true, 12.2), new(2, false, 11.9)];
        var slow = new SweepFigures(points, points[2], points[0]);
        Assert.Equal("the run's settings (1 threads, spinning on) reach 0.57 of the best bare loop (2 threads, spinning on, 12.20 frames/s): set --threads 2 (Threads)", slow.Hint);
        var sleeping = new SweepFigures(points, points[2], new SweepPoint(2, false, 11.0));
        Assert.Contains("set --ort-spinning true (OrtSpinning)", sleeping.Hint, StringComparison.Ordinal);
        Assert.Null(new SweepFigures(points, points[2], points[3]).Hint); // 0.975: within 5%
    }

    [Theory]
    [InlineData(1, new[] { 1 })]
    [InlineData(2, new[] { 1, 2 })]
    [InlineData(4, new[] { 1, 2, 3, 4 })]
    [InlineData(16, new[] { 1, 2, 4, 8, 15, 16 })]
    public void The_sweep_tries_every_count_on_a_small_machine_and_a_few_on_a_big_one(int cpus, int[] counts) =>
        Assert.Equal(counts, ThreadSweep.ThreadCounts(cpus));

    [Fact]
    public async Task Sigterm_ends_the_bench_at_once_with_exit_zero()
    {
        using var process = CliProcess.Start(null, "bench", "--source", TestData.VtestAvi, "--model", _model.Path, "--frames", "200");
        var stdout = process.StandardOutput.ReadToEndAsync();
        while (await process.StandardError.ReadLineAsync() is { } line && !line.StartsWith("bench: ", StringComparison.Ordinal))
        {
        }

        var stderr = process.StandardError.ReadToEndAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        Assert.True(process.WaitForExit(30_000), "bench did not stop within 30 s of SIGTERM");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stop took {clock.Elapsed}");
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("bench: stopped before the end: no figures", await stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await stdout);
    }

    [Fact]
    public void A_missing_source_is_one_line()
    {
        var (exit, _, stderr) = CliProcess.Run(null, "bench", "--source", "/no/such.avi", "--model", _model.Path);
        Assert.Equal(1, exit);
        Assert.Equal("error: --source /no/such.avi: file not found; give a video file to measure on", stderr.Trim());
    }
}
