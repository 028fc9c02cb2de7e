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
    public async Task Sigterm_while_the_model_loads_exits_zero_at_once()
    {
        using var output = new TemporaryDirectory();
        using var process = CliProcess.Start(null, "run", "--source", TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--http-port", "0");
        var stdout = process.StandardOutput.ReadToEndAsync();
        // "inference threads: ..." is logged just before the model load starts (which takes about a second).
        var before = new System.Text.StringBuilder();
        while (await process.StandardError.ReadLineAsync() is { } line)
        {
            before.AppendLine(line);
            if (line.Contains("inference threads", StringComparison.Ordinal))
            {
                break;
            }
        }

        var stderr = process.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        Signal(process, "TERM");
        Assert.True(process.WaitForExit(30_000), "the run did not stop within 30 s of SIGTERM during the model load");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stop took {clock.Elapsed}");
        Assert.True(process.ExitCode == 0, before + await stderr);
        Assert.StartsWith("stopped: ", await stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_sigterm_during_the_drain_exits_at_once_with_143_and_whole_lines()
    {
        using var output = new TemporaryDirectory();
        using var process = CliProcess.Start(null, "run", "--source", TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--http-port", "0");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string ndjson = Path.Combine(output.Path, "vtest.ndjson");
        await WaitForLinesAsync(process, ndjson, 4, stderr);
        Signal(process, "TERM");
        await Task.Delay(100);
        Signal(process, "TERM");
        Assert.True(process.WaitForExit(10_000), "a second SIGTERM did not end the run");
        Assert.Equal(143, process.ExitCode);
        string text = File.ReadAllText(ndjson);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line); // every line whole
        }
    }

    /// <summary>Waits (up to 90 s) until the run has written <paramref name="lines"/> NDJSON lines; fails if it ends first.</summary>
    private static async Task WaitForLinesAsync(Process process, string ndjson, int lines, Task<string> stderr)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && !process.HasExited; await Task.Delay(100))
        {
            if (File.Exists(ndjson) && File.ReadAllText(ndjson).Count(c => c == '\n') >= lines)
            {
                return;
            }
        }

        if (process.HasExited)
        {
            Assert.Fail("the run ended before it could be stopped: " + await stderr); // awaited only here: it ends with the process
        }
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task Sigterm_mid_file_drains_flushes_and_exits_zero()
    {
        using var output = new TemporaryDirectory();
        using var process = CliProcess.Start(null, "run", "--source", TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--http-port", "0");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string ndjson = Path.Combine(output.Path, "vtest.ndjson");
        await WaitForLinesAsync(process, ndjson, 8, stderr);
        Signal(process, "TERM");

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
