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
        Assert.Matches(@"ok\s+OpenCV\s+4\.13\.\d+; video I/O: FFMPEG yes", stdout);
        Assert.Matches(@"ok\s+FFmpeg\s+ffmpeg version \S+.*; H\.264 encoders: libx264", stdout);
        Assert.Matches(@"ok\s+ONNX Runtime\s+1\.32\.0 \(NuGet Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux\) from .*CUDAExecutionProvider, CPUExecutionProvider", stdout);
        // Machine-aware: where the CUDA libraries are missing each is named with the fix; where they are all
        // there, the provider must really start a session.
        if (Inference.GpuLibraries.Missing(Inference.ExecutionDevice.Cuda).Count > 0)
        {
            Assert.Matches(@"info\s+CUDA provider\s+does not load: missing (lib\S+\.so\.\d+(, )?)+ \(--device cuda falls back to CPU\); libcuda\.so\.1 (missing|at \S+), libcudart\.so\.13 ", stdout);
            Assert.Contains("fix: install the NVIDIA driver, the CUDA 13 runtime libraries", stdout, StringComparison.Ordinal);
        }
        else
        {
            Assert.Matches(@"ok\s+CUDA provider\s+loads and starts a session \(CUDAExecutionProvider", stdout);
        }

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
        Assert.Equal([".NET", "OpenCV", "FFmpeg", "ONNX Runtime", "CUDA provider", "TensorRT provider", "CPU", "GPU", "Model", "Threads"], names);
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
    public void The_cuda_libraries_are_listed_each_with_its_place_or_missing()
    {
        var (exit, stdout, _) = CliProcess.Run(null, "doctor", "--json", "--model", TestData.DetectionModel);
        Assert.Equal(0, exit); // a missing GPU library never makes the machine unready: the CPU runs
        using var json = JsonDocument.Parse(stdout);
        var cuda = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "CUDA provider");
        string detail = cuda.GetProperty("detail").GetString()!;
        foreach (string library in Inference.GpuLibraries.Cuda)
        {
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(library)} (missing|at \S+)", detail);
        }
    }

    [Fact]
    public void Cuda_libraries_that_load_but_are_not_cuda_give_onnx_runtimes_reason_and_the_fix()
    {
        // Stand-ins with the right names (copies of libm) come first on LD_LIBRARY_PATH: every library is
        // "found", so the provider is really tried, and ONNX Runtime refuses it; doctor must say so with the
        // fix (the same on a machine with real CUDA libraries, which the stand-ins shadow).
        using var fake = FakeCudaLibraries();
        var environment = new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = fake.Path };
        var (exit, stdout, _) = CliProcess.Run(environment, "doctor", "--model", TestData.DetectionModel);
        Assert.Equal(0, exit);
        Assert.Matches(@"warn\s+CUDA provider\s+libraries found but the provider does not start: CUDA execution provider unavailable \(", stdout);
        Assert.Contains($"libcudart.so.13 at {fake.File("libcudart.so.13")}", stdout, StringComparison.Ordinal);
        Assert.Contains("fix: check the NVIDIA driver", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_removed_ort_lib_option_is_a_usage_error()
    {
        // ONNX Runtime comes from its NuGet package now; a leftover --ort-lib is named, not ignored.
        var (exit, _, stderr) = CliProcess.Run(null, "doctor", "--ort-lib", "/x/libonnxruntime.so");
        Assert.Equal(2, exit);
        Assert.Contains("--ort-lib", stderr, StringComparison.Ordinal);
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

    /// <summary>A folder of copies of libm named as the CUDA libraries: each loads, none is CUDA.</summary>
    internal static TemporaryDirectory FakeCudaLibraries()
    {
        var fake = new TemporaryDirectory();
        foreach (string library in Inference.GpuLibraries.Cuda)
        {
            File.Copy("/usr/lib/x86_64-linux-gnu/libm.so.6", fake.File(library));
        }

        return fake;
    }
}
