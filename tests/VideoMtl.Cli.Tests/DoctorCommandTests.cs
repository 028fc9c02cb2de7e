using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

public sealed class DoctorCommandTests
{
    [Fact]
    public void Reports_opencv_with_ffmpeg_and_ort_with_the_cpu_provider_and_exits_zero()
    {
        var (exit, stdout, stderr) = CliProcess.Run(null, "doctor", "--model", TestData.DetectionModel);
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Matches(@"ok\s+OpenCV\s+4\.6\.\d+; video I/O: FFMPEG yes", stdout);
        Assert.Matches(@"ok\s+ONNX Runtime\s+1\.30\.0 from .*CPUExecutionProvider", stdout);
        Assert.Matches(@"CUDA provider\s+.*falls back to CPU", stdout);
        Assert.Matches(@"ok\s+Model\s+.*images float\[1,3,640,640\]; outputs output0 float\[1,84,8400\]", stdout);
        Assert.Contains("ready: the pipeline can run", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_report_is_machine_readable()
    {
        var (exit, stdout, _) = CliProcess.Run(null, "doctor", "--json", "--model", TestData.DetectionModel);
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("ready").GetBoolean());
        var names = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal([".NET", "OpenCV", "ONNX Runtime", "CUDA provider", "TensorRT provider", "CPU", "GPU", "Model", "Threads"], names);
    }

    [Fact]
    public void Threads_follow_the_cpus_the_process_may_use()
    {
        // All CPUs: one intra-op thread per CPU, and ONNX Runtime's own guess is measured and shown.
        var (exit, stdout, _) = CliProcess.Run(null, "doctor", "--model", TestData.DetectionModel);
        Assert.Equal(0, exit);
        int cpus = Environment.ProcessorCount;
        Assert.Matches($@"ok\s+Threads\s+a run uses {cpus} intra-op threads?, one per CPU available; {cpus} CPUs? available: affinity \S+ = {cpus} CPU", stdout);
        Assert.Matches(@"ONNX Runtime's own default would be \d+", stdout);
        Assert.Matches($@"info\s+CPU\s+{cpus} CPUs? available", stdout);

        // Pinned to one CPU (taskset -c 0): one thread, whatever the machine has.
        (exit, stdout, _) = CliProcess.RunOn("0", null, "doctor", "--model", TestData.DetectionModel);
        Assert.Equal(0, exit);
        Assert.Matches(@"ok\s+Threads\s+a run uses 1 intra-op thread, one per CPU available; 1 CPU available: affinity 0 = 1 CPU", stdout);

        // An explicit count above the CPUs is a warning with the fix, not a failure.
        (exit, stdout, _) = CliProcess.RunOn("0", null, "doctor", "--model", TestData.DetectionModel, "--threads", "3");
        Assert.Equal(0, exit);
        Assert.Matches(@"warn\s+Threads\s+a run uses 3 intra-op threads, as --threads / Threads asks", stdout);
        Assert.Contains("fix: --threads 3 exceeds the 1 CPU this process may use", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_ort_library_fails_with_the_path_and_the_fix()
    {
        var env = new Dictionary<string, string?> { ["VIDEOMTL_ORT_LIB"] = "/nonexistent/libonnxruntime.so.1" };
        var (exit, stdout, _) = CliProcess.Run(env, "doctor");
        Assert.Equal(1, exit);
        Assert.Matches(@"FAIL\s+ONNX Runtime\s+ONNX Runtime library not found: /nonexistent/libonnxruntime.so.1 \(from VIDEOMTL_ORT_LIB\)", stdout);
        Assert.Contains("not ready", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_library_that_is_not_onnx_runtime_is_named_as_such()
    {
        string shim = Path.Combine(AppContext.BaseDirectory, "libvideomtl_native.so");
        var (exit, stdout, _) = CliProcess.Run(null, "doctor", "--ort-lib", shim);
        Assert.Equal(1, exit);
        Assert.Contains($"{shim} is not an ONNX Runtime library", stdout, StringComparison.Ordinal);

        using var temp = new TemporaryDirectory();
        string junk = temp.File("libonnxruntime.so.1");
        File.WriteAllText(junk, "not an ELF file");
        (exit, stdout, _) = CliProcess.Run(null, "doctor", "--ort-lib", junk);
        Assert.Equal(1, exit);
        Assert.Contains($"cannot load ONNX Runtime library {junk}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_model_that_does_not_exist_fails()
    {
        var (exit, stdout, _) = CliProcess.Run(null, "doctor", "--model", "/no/model.onnx");
        Assert.Equal(1, exit);
        Assert.Matches(@"FAIL\s+Model\s+model file not found: /no/model.onnx", stdout);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        var (exit, _, stderr) = CliProcess.Run(null, "frobnicate");
        Assert.NotEqual(0, exit);
        Assert.Contains("frobnicate", stderr, StringComparison.Ordinal);
    }
}
