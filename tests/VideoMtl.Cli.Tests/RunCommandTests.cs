using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary><c>videomtl run</c> as a process: bad settings fail before anything runs.</summary>
public sealed class RunCommandTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public RunCommandTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Theory]
    [InlineData(new[] { "--max-batch", "0" }, "error: max batch 0 is out of range: use 1..64")]
    [InlineData(new[] { "--conf", "2" }, "error: confidence threshold must be between 0 and 1 (exclusive) (got 2)")]
    [InlineData(new[] { "--device", "fpga" }, "error: unknown device 'fpga'")]
    [InlineData(new[] { "--source", "ftp://x/y" }, "error: unsupported source scheme 'ftp://'")]
    public void Bad_settings_fail_in_one_line_before_anything_runs(string[] extra, string expected)
    {
        using var output = new TemporaryDirectory();
        string[] args = ["run", "--source", TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, .. extra];
        var (exit, _, stderr) = CliProcess.Run(null, args);
        Assert.Equal(1, exit);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(Directory.GetFiles(output.Path));
    }
}
