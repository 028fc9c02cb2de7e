using System.Diagnostics;
using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary><c>videomtl run</c> as a process: a real SIGTERM mid-file, and bad settings.</summary>
public sealed class RunCommandTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public RunCommandTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public void A_cuda_provider_that_does_not_start_is_one_warning_and_the_run_goes_on_on_the_cpu()
    {
        using var fake = DoctorCommandTests.FakeCudaLibraries(); // every CUDA library "found", none real
        using var output = new TemporaryDirectory();
        var (exit, _, stderr) = CliProcess.Run(
            new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = fake.Path },
            "run", "--source", TestData.VtestAvi, "--device", "cuda", "--max-frames", "2", "--no-video", "--http-port", "0", "--out", output.Path, "--model", _model.Path);
        Assert.True(exit == 0, stderr);
        Assert.Single(stderr.Split('\n'), l => l.Contains("CUDA execution provider unavailable (", StringComparison.Ordinal) && l.EndsWith("running on CPU instead", StringComparison.Ordinal));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(output.Path, "vtest.ndjson")).Length);
    }

    [Fact]
    public async Task Sigterm_mid_file_drains_flushes_and_exits_zero()
    {
        using var output = new TemporaryDirectory();
        using var process = CliProcess.Start(null, "run", "--source", TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--http-port", "0");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string ndjson = Path.Combine(output.Path, "vtest.ndjson");
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && !process.HasExited; await Task.Delay(200))
        {
            if (File.Exists(ndjson) && File.ReadAllText(ndjson).Count(c => c == '\n') >= 8)
            {
                break;
            }
        }

        if (process.HasExited)
        {
            Assert.Fail("the run ended before it could be stopped: " + await stderr);
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }

        Assert.True(process.WaitForExit(60_000), "the run did not stop within 60 s of SIGTERM");
        Assert.True(process.ExitCode == 0, await stderr);
        string summary = await stdout;
        Assert.StartsWith("stopped: ", summary, StringComparison.Ordinal);

        string text = File.ReadAllText(ndjson);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 8, 700);
        for (int i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(i, json.RootElement.GetProperty("frame").GetInt64());
        }

        Assert.Equal(lines.Length, MediaProbe.CountFrames(Path.Combine(output.Path, "vtest.mp4")));
    }

    [Theory]
    [InlineData(new[] { "--max-batch", "0" }, "error: --max-batch / MaxBatch 0 is out of range: use 1..64")]
    [InlineData(new[] { "--conf", "2" }, "error: confidence threshold (--conf / Confidence) must be between 0 and 1 (exclusive) (got 2)")]
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
