using Microsoft.Extensions.Logging;
using VideoMtl.TestSupport;

namespace VideoMtl.Onnx.Tests;

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
    public void Gpu_request_without_its_provider_library_falls_back_to_cpu_with_one_warning(ExecutionDevice device, string name)
    {
        OrtRuntime.Load();
        var logger = new RecordingLogger();
        using var temp = new TemporaryDirectory();
        var provider = new ExecutionProviderOptions { Device = device, TensorRtEngineCacheDirectory = temp.File("engines") };
        using var session = InferenceSession.Create(TestData.DetectionModel, new InferenceSessionOptions { Provider = provider }, logger);

        Assert.Equal(["CPUExecutionProvider"], session.ExecutionProviders);
        Assert.NotNull(session.ProviderFallbackReason);
        Assert.Contains("libonnxruntime_providers", session.ProviderFallbackReason, StringComparison.Ordinal);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith($"{name} execution provider unavailable", warning.Message, StringComparison.Ordinal);
        Assert.EndsWith("running on CPU instead", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_gpu_request_fails_instead_of_falling_back()
    {
        OrtRuntime.Load();
        var options = new InferenceSessionOptions { Provider = ExecutionProviderOptions.Parse("cuda!") };
        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(TestData.DetectionModel, options));
        Assert.Equal(OrtErrorCode.EpFail, e.Code);
        Assert.StartsWith("CUDA execution provider unavailable", e.Message, StringComparison.Ordinal);
        Assert.Contains("VIDEOMTL_ORT_LIB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_says_why_the_cuda_library_cannot_load()
    {
        var probe = OrtRuntime.Load().ProbeProviderLibrary(ExecutionDevice.Cuda);
        Assert.False(probe.Loadable);
        Assert.Contains("libonnxruntime_providers_", probe.Detail, StringComparison.Ordinal);
        Assert.True(OrtRuntime.Load().ProbeProviderLibrary(ExecutionDevice.Cpu).Loadable);
    }

    [Fact]
    public void Pinned_host_memory_is_refused_with_a_reason_by_a_session_without_cuda()
    {
        // The GPU input path asks the session for its "CudaPinned" allocator; without the CUDA provider in
        // the session ORT has none, and the pipeline must get a reason instead of an exception.
        OrtRuntime.Load();
        using var session = InferenceSession.Create(TestData.DetectionModel, new InferenceSessionOptions());
        using var pinned = PinnedHostMemory.TryCreate(session, out string? reason);
        Assert.Null(pinned);
        Assert.NotNull(reason);
        Assert.Contains("CUDA or TensorRT", reason, StringComparison.Ordinal);
    }
}
