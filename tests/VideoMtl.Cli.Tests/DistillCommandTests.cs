using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary><c>videomtl model distill</c> through the CLI: the training program runs as a child and its model evaluates.</summary>
public sealed class DistillCommandTests
{
    [Fact]
    public void A_one_epoch_distill_writes_a_model_that_model_evaluate_reads()
    {
        using var temp = new TemporaryDirectory();
        string output = temp.File("shared.onnx");
        var (exit, stdout, stderr) = CliProcess.Run(null, "model", "distill", "--segment", TestData.SegmentationModel, "--pose", TestData.PoseModel,
            "-o", output, "--data", TestData.WalkingMp4, "--every", "20", "--max-frames", "2", "--epochs", "1");
        Assert.True(exit == 0, stderr);
        Assert.StartsWith($"wrote {output} (", stdout, StringComparison.Ordinal);
        Assert.Contains(" anchors from 6 views, epochs 1..1", stdout, StringComparison.Ordinal); // 2 frames, mirrored, one random view each
        Assert.Contains("distill: epoch 1/1: OKS ", stderr, StringComparison.Ordinal);
        Assert.Contains("distill: epoch 1/1 [########################] step ", stderr, StringComparison.Ordinal); // the progress, as lines when redirected
        Assert.True(File.Exists(output + ".checkpoint.epoch"), "the checkpoint is kept for a resume");

        // Run again, the examples are read back rather than made afresh, and the finished run is not repeated.
        (exit, stdout, stderr) = CliProcess.Run(null, "model", "distill", "--segment", TestData.SegmentationModel, "--pose", TestData.PoseModel,
            "-o", output, "--data", TestData.WalkingMp4, "--every", "20", "--max-frames", "2", "--epochs", "1");
        Assert.True(exit == 0, stderr);
        Assert.Contains("distill: examples: read back from ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1/1:", stderr, StringComparison.Ordinal);

        (exit, stdout, stderr) = CliProcess.Run(null, "model", "evaluate", "--teacher", TestData.PoseModel, "--model", output, TestData.BusJpg);
        Assert.True(exit == 0, stderr);
        Assert.Contains("teacher persons (score >= 0.5): ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Mistakes_are_one_line_from_the_training_program()
    {
        var (exit, _, stderr) = CliProcess.Run(null, "model", "distill", "--segment", "/no/seg.onnx", "--pose", TestData.PoseModel, "-o", "/tmp/unused.onnx", "--data", TestData.BusJpg);
        Assert.Equal(1, exit);
        Assert.Equal("error: /no/seg.onnx: model not found (give an Ultralytics ONNX export)", stderr.Trim());
        (exit, _, stderr) = CliProcess.Run(null, "model", "distill", "--segment", "x.onnx");
        Assert.Equal(2, exit);
        Assert.Equal("error: Option '--pose' is required; see 'videomtl model distill --help'", stderr.Trim());
    }
}
