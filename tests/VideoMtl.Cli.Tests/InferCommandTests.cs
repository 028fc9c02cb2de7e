using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// <c>videomtl infer</c> and <c>videomtl model build</c> as a user runs them. The model is built once into
/// a temporary folder by the real command, so these tests do not depend on what setup left in models/.
/// </summary>
public sealed class InferCommandTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly BuiltModel _model;

    public InferCommandTests(BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public void Build_reports_what_it_did_and_its_verification()
    {
        Assert.True(_model.Exit == 0, _model.Stdout + _model.Stderr);
        Assert.Contains("tasks: segment, pose; outputs: seg_boxes, seg_protos, pose", _model.Stdout, StringComparison.Ordinal);
        Assert.Contains("149 ConvInteger nodes dequantized to Conv", _model.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"seg_boxes\s+0\s", _model.Stdout);
    }

    [Fact]
    public void Infer_prints_one_result_line_per_image_and_writes_annotated_pngs()
    {
        using var outDir = new TemporaryDirectory();
        var (exit, stdout, stderr) = CliProcess.Run(null, "infer", TestData.BusJpg, TestData.BusJpg, "--model", _model.Path, "--out", outDir.Path);
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var json = JsonDocument.Parse(lines[0]);
        var root = json.RootElement;
        Assert.Equal("bus", root.GetProperty("stream").GetString());
        Assert.Equal(0, root.GetProperty("frame").GetInt64());
        Assert.Equal(810, root.GetProperty("width").GetInt32());
        Assert.Equal(1080, root.GetProperty("height").GetInt32());
        var objects = root.GetProperty("objects").EnumerateArray().ToList();
        Assert.Contains(objects, o => o.GetProperty("class").GetString() == "bus");
        var person = objects.First(o => o.GetProperty("class").GetString() == "person" && o.GetProperty("mask").ValueKind == JsonValueKind.Object);
        Assert.Equal(17, person.GetProperty("keypoints").GetArrayLength());
        Assert.Equal(4, person.GetProperty("box").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, person.GetProperty("track_id").ValueKind);
        var size = person.GetProperty("mask").GetProperty("size").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(new[] { 1080, 810 }, size);
        long total = person.GetProperty("mask").GetProperty("counts").EnumerateArray().Sum(e => e.GetInt64());
        Assert.Equal(1080L * 810, total);
        Assert.True(root.GetProperty("timing_ms").GetProperty("inference").GetDouble() > 0);
        Assert.True(new FileInfo(Path.Combine(outDir.Path, "bus.png")).Length > 100_000);
    }

    [Theory]
    [InlineData("--conf", "1.5", "--conf 1.5")]
    [InlineData("--iou", "0", "--iou 0")]
    [InlineData("--device", "npu", "--device: unknown device 'npu'")]
    public void Bad_options_are_one_clear_line(string option, string value, string expected)
    {
        var (exit, stdout, stderr) = CliProcess.Run(null, "infer", TestData.BusJpg, "--model", _model.Path, option, value);
        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.StartsWith($"error: {expected}", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_model_without_the_contract_is_refused_with_the_fix()
    {
        var (exit, _, stderr) = CliProcess.Run(null, "infer", TestData.BusJpg, "--model", TestData.DetectionModel);
        Assert.Equal(1, exit);
        Assert.Contains("is not a VideoMtl multi-task model; build one with 'videomtl model build'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_image_and_a_missing_model_name_the_file()
    {
        var (exit, _, stderr) = CliProcess.Run(null, "infer", "/no/photo.jpg", "--model", _model.Path);
        Assert.Equal(1, exit);
        Assert.Equal("error: file not found: /no/photo.jpg", stderr.Trim());
        (exit, _, stderr) = CliProcess.Run(null, "infer", TestData.BusJpg, "--model", "/no/model.onnx");
        Assert.Equal(1, exit);
        Assert.Equal("error: model not found: /no/model.onnx (check --model)", stderr.Trim());
    }

    [Fact]
    public void Build_refuses_swapped_sources_in_one_line()
    {
        using var temp = new TemporaryDirectory();
        var (exit, _, stderr) = CliProcess.Run(null, "model", "build", "--segment", TestData.PoseModel,
            "--pose", TestData.SegmentationModel, "-o", temp.File("x.onnx"));
        Assert.Equal(1, exit);
        Assert.Matches(@"^error: .*yolov8n-pose-uint8\.onnx is a 'pose' model \(its metadata says so\), but it was given as the segment model\s*$", stderr);
    }

    [Fact]
    public void Evaluate_scores_the_models_poses_against_the_teacher_and_writes_json()
    {
        using var temp = new TemporaryDirectory();
        string json = temp.File("figures.json");
        var (exit, stdout, stderr) = CliProcess.Run(null, "model", "evaluate", "--teacher", TestData.PoseModel,
            "--model", _model.Path, "--segment", TestData.SegmentationModel, "--json", json, TestData.BusJpg);
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"matched \d+ \(100\.0 ?%\); matched with OKS >= 0\.5: 100\.0 ?%; mean OKS 0\.9\d\d", stdout);
        Assert.Contains("mean error per joint (px): nose ", stdout, StringComparison.Ordinal);
        Assert.Contains("100.0 % matched, mean IoU 0.9", stdout.Replace("100.0%", "100.0 %", StringComparison.Ordinal), StringComparison.Ordinal);
        using var figures = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(1.0, figures.RootElement.GetProperty("matched_share").GetDouble());
        Assert.Equal("bus.jpg", figures.RootElement.GetProperty("images")[0].GetProperty("image").GetString());
    }

    [Fact]
    public void Evaluate_names_a_teacher_that_is_not_a_pose_export_in_one_line()
    {
        var (exit, _, stderr) = CliProcess.Run(null, "model", "evaluate", "--teacher", TestData.SegmentationModel, "--model", _model.Path, TestData.BusJpg);
        Assert.Equal(1, exit);
        Assert.Matches(@"^error: --teacher .*yolov8n-seg-uint8\.onnx: not a pose export \(no kpt_shape metadata\)\s*$", stderr);
        (exit, _, stderr) = CliProcess.Run(null, "model", "evaluate", "--teacher", TestData.PoseModel, "--model", _model.Path, "/no/frames.mp4");
        Assert.Equal(1, exit);
        Assert.Equal("error: /no/frames.mp4: not found (give images or videos to evaluate on)", stderr.Trim());
    }

    /// <summary>Runs <c>videomtl model build</c> once for the class.</summary>
    public sealed class BuiltModel : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();

        public BuiltModel()
        {
            Path = _directory.File("mt.onnx");
            (Exit, Stdout, Stderr) = CliProcess.Run(null, "model", "build", "--segment", TestData.SegmentationModel,
                "--pose", TestData.PoseModel, "-o", Path, "--verify-image", TestData.BusJpg);
        }

        public string Path { get; }

        public int Exit { get; }

        public string Stdout { get; }

        public string Stderr { get; }

        public void Dispose() => _directory.Dispose();
    }
}
