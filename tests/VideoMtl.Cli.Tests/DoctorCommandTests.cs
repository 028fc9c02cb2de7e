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
        Assert.Equal([".NET", "OpenCV", "ONNX Runtime", "CUDA provider", "TensorRT provider", "CPU", "GPU", "Model"], names);
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
