using System.Text.Json;
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
    public void A_short_bench_reports_every_figure_as_json()
    {
        var (exit, stdout, stderr) = CliProcess.Run(null, "bench", "--source", TestData.VtestAvi, "--model", _model.Path, "--frames", "16", "--no-batching", "--json", "-");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(768, root.GetProperty("setup").GetProperty("width").GetInt32());
        Assert.True(root.GetProperty("ceiling_fps").GetDouble() > 0);
        Assert.True(root.GetProperty("decode_fps").GetDouble() > root.GetProperty("ceiling_fps").GetDouble(), "decoding alone must outrun the model");
        foreach (string run in new[] { "sinks_on", "sinks_off" })
        {
            var figures = root.GetProperty(run);
            Assert.Equal(16, figures.GetProperty("frames").GetInt64());
            Assert.True(figures.GetProperty("steady_fps").GetDouble() > 0);
            Assert.True(figures.GetProperty("stage_ms_per_frame").GetProperty("inference").GetDouble() > 0);
            Assert.True(figures.GetProperty("objects_per_frame").GetDouble() > 1, "vtest frames show several people");
        }

        Assert.True(root.GetProperty("sinks_on").GetProperty("stage_ms_per_frame").GetProperty("encode").GetDouble() > 0, "the mp4 sink encodes");
        Assert.Equal(0, root.GetProperty("sinks_off").GetProperty("stage_ms_per_frame").GetProperty("overlay").GetDouble());
        Assert.True(root.GetProperty("host_alone").GetProperty("total_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("ort_defaults_fps").GetDouble() > 0);
        Assert.Equal(4, root.GetProperty("targets").GetArrayLength());
        Assert.Contains("bench: inference ceiling", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_source_is_one_line()
    {
        var (exit, _, stderr) = CliProcess.Run(null, "bench", "--source", "/no/such.avi", "--model", _model.Path);
        Assert.Equal(1, exit);
        Assert.Equal("error: --source /no/such.avi: file not found; give a video file to measure on", stderr.Trim());
    }
}
