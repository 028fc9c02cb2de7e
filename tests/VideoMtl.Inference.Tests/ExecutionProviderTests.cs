using Microsoft.Extensions.Logging;
using VideoMtl.TestSupport;

namespace VideoMtl.Inference.Tests;

public sealed class ExecutionProviderTests
{
    [Theory]
    [InlineData("cpu", ExecutionDevice.Cpu, 0, false)]
    [InlineData("CUDA", ExecutionDevice.Cuda, 0, false)]
    [InlineData("cuda:1", ExecutionDevice.Cuda, 1, false)]
    [InlineData("cuda!", ExecutionDevice.Cuda, 0, true)]
    [InlineData("gpu", ExecutionDevice.Cuda, 0, false)]
    [InlineData("tensorrt:2!", ExecutionDevice.TensorRt, 2, true)]
    [InlineData("trt", ExecutionDevice.TensorRt, 0, false)]
    public void Parses_device_names(string text, ExecutionDevice device, int id, bool strict)
    {
        var options = ExecutionProviderOptions.Parse(text);
        Assert.Equal((device, id, strict), (options.Device, options.DeviceId, options.Strict));
    }

    [Theory]
    [InlineData("npu")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void Rejects_unknown_devices_naming_the_value(string text) =>
        Assert.Contains($"device '{text}'", Assert.Throws<ArgumentException>(() => ExecutionProviderOptions.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(ExecutionDevice.Cuda, "CUDA")]
    [InlineData(ExecutionDevice.TensorRt, "TensorRT")]
    public void Gpu_request_runs_on_the_gpu_where_it_can_and_otherwise_falls_back_to_cpu_with_one_warning(ExecutionDevice device, string name)
    {
        var logger = new RecordingLogger();
        using var temp = new TemporaryDirectory();
        var provider = new ExecutionProviderOptions { Device = device, TensorRtEngineCacheDirectory = temp.File("engines") };
        var missing = GpuLibraries.Missing(device);
        using var session = ModelSession.Create(TestData.DetectionModel, new InferenceSessionOptions { Provider = provider }, logger);

        if (missing.Count == 0 && session.ProviderFallbackReason is null)
        {
            // A machine with the GPU libraries: the provider runs the session, and nothing is logged.
            Assert.Equal(device == ExecutionDevice.Cuda ? "CUDAExecutionProvider" : "TensorrtExecutionProvider", session.ExecutionProviders[0]);
            Assert.DoesNotContain(logger.Entries, e => e.Level == LogLevel.Warning);
            return;
        }

        Assert.Equal(["CPUExecutionProvider"], session.ExecutionProviders);
        Assert.NotNull(session.ProviderFallbackReason);
        foreach (string library in missing)
        {
            Assert.Contains(library, session.ProviderFallbackReason, StringComparison.Ordinal); // every one named, not just the first
        }

        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith($"{name} execution provider unavailable", warning.Message, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9", warning.Message, StringComparison.Ordinal);
        Assert.EndsWith("running on CPU instead", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_gpu_request_fails_instead_of_falling_back()
    {
        var options = new InferenceSessionOptions { Provider = ExecutionProviderOptions.Parse("cuda!") };
        if (GpuLibraries.Missing(ExecutionDevice.Cuda).Count == 0)
        {
            using var session = ModelSession.Create(TestData.DetectionModel, options);
            Assert.Equal("CUDAExecutionProvider", session.ExecutionProviders[0]);
            return;
        }

        var e = Assert.Throws<InferenceException>(() => ModelSession.Create(TestData.DetectionModel, options));
        Assert.StartsWith("CUDA execution provider unavailable (missing ", e.Message, StringComparison.Ordinal);
        Assert.Contains("LD_LIBRARY_PATH", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("drop the '!' from the device to fall back to CPU", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_library_check_lists_every_cuda_library_with_where_it_was_found()
    {
        var cuda = GpuLibraries.Check(ExecutionDevice.Cuda);
        Assert.Equal(["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"], cuda.Select(l => l.Library));
        Assert.Equal(cuda.Where(l => l.Path is null).Select(l => l.Library), GpuLibraries.Missing(ExecutionDevice.Cuda));
        Assert.All(cuda.Where(l => l.Path is not null && !l.Path.EndsWith("(from the loader cache)", StringComparison.Ordinal)), l => Assert.True(File.Exists(l.Path)));
        Assert.Equal(cuda.Count + 2, GpuLibraries.Check(ExecutionDevice.TensorRt).Count);
        Assert.Empty(GpuLibraries.Check(ExecutionDevice.Cpu));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libc.so.6", GpuLibraries.Locate("libc.so.6")); // a library every machine has
        Assert.Null(GpuLibraries.Locate("libvideomtl-no-such-library.so.7"));
    }

    [Fact]
    public void Pinned_host_memory_is_refused_with_a_reason_by_a_session_without_cuda()
    {
        // The GPU input path asks the session for its "CudaPinned" allocator; a session without the CUDA
        // provider has none, and the pipeline must get a reason instead of an exception.
        using var session = ModelSession.Create(TestData.DetectionModel, new InferenceSessionOptions());
        using var pinned = PinnedHostMemory.TryCreate(session, out string? reason);
        Assert.Null(pinned);
        Assert.NotNull(reason);
        Assert.Contains("CUDA or TensorRT", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pinned_host_memory_comes_from_a_cuda_session_where_cuda_runs()
    {
        if (GpuLibraries.Missing(ExecutionDevice.Cuda).Count > 0)
        {
            return; // no CUDA here: the refusal above is the path this machine takes
        }

        using var session = ModelSession.Create(TestData.DetectionModel, new InferenceSessionOptions { Provider = ExecutionProviderOptions.Parse("cuda!") });
        using var pinned = PinnedHostMemory.TryCreate(session, out string? reason);
        Assert.True(pinned is not null, reason);
        using var value = pinned.Allocate([1, 3, 640, 640]);
        Assert.Equal(3 * 640 * 640, value.GetTensorMutableDataAsSpan<float>().Length);
    }
}
