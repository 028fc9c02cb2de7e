using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using VideoMtl.TestSupport;

namespace VideoMtl.Inference.Tests;

public sealed class ModelSessionTests : IClassFixture<DetectionModelFixture>
{
    private const int Anchors = 8400;
    private readonly DetectionModelFixture _fixture;

    public ModelSessionTests(DetectionModelFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void Runtime_reports_its_version_and_the_cpu_provider()
    {
        Assert.Equal("1.32.0", OnnxRuntimeInfo.Version);
        Assert.Contains("CPUExecutionProvider", OnnxRuntimeInfo.AvailableProviders);
        Assert.Contains("CUDAExecutionProvider", OnnxRuntimeInfo.AvailableProviders); // the package is the GPU build
        Assert.True(File.Exists(Path.Combine(OnnxRuntimeInfo.NativeDirectory, "libonnxruntime_providers_cuda.so")));
    }

    [Fact]
    public void Model_inputs_outputs_and_metadata_are_read()
    {
        var session = _fixture.Session;
        var input = Assert.Single(session.Inputs);
        Assert.Equal("images", input.Name);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal(new long[] { 1, 3, 640, 640 }, input.Shape);
        var output = Assert.Single(session.Outputs);
        Assert.Equal("output0", output.Name);
        Assert.Equal(new long[] { 1, 84, Anchors }, output.Shape);
        Assert.Equal("images float[1,3,640,640]", input.ToString());

        // Ultralytics writes its export facts into metadata_props.
        var custom = session.CustomMetadata;
        Assert.Equal("detect", custom["task"]);
        Assert.Equal("8.2.79", custom["version"]);
        Assert.Contains("0: 'person'", custom["names"], StringComparison.Ordinal);
        Assert.Contains("5: 'bus'", custom["names"], StringComparison.Ordinal);
        Assert.Equal("[640, 640]", custom["imgsz"]);
        Assert.Equal(["CPUExecutionProvider"], session.ExecutionProviders);
        Assert.Null(session.ProviderFallbackReason);
    }

    [Fact]
    public void Finds_a_person_and_the_bus_in_bus_jpg()
    {
        using var input = OrtValue.CreateTensorValueFromMemory(_fixture.Input, [1, 3, 640, 640]);
        using var outputs = _fixture.Session.Run([input]);
        var output = Assert.Single(outputs);
        Assert.Equal(new long[] { 1, 84, Anchors }, output.GetTensorTypeAndShape().Shape);
        var best = BestPerClass(output.GetTensorDataAsSpan<float>());

        Assert.True(best[0].Score > 0.5f, $"best person score {best[0].Score}");
        Assert.True(best[5].Score > 0.5f, $"best bus score {best[5].Score}");

        // The bus spans most of the photo's width (810 px) in its middle band.
        var (x1, y1, x2, y2) = ToSource(best[5].Box);
        Assert.InRange(x2 - x1, 550, 810);
        Assert.InRange(y1, 150, 350);
        Assert.InRange(y2, 650, 900);
    }

    [Fact]
    public void Run_into_preallocated_outputs_matches_the_allocating_run()
    {
        using var input = OrtValue.CreateTensorValueFromMemory(_fixture.Input, [1, 3, 640, 640]);
        using var allocated = _fixture.Session.Run([input]);
        var buffer = new float[84 * Anchors];
        using var preallocated = OrtValue.CreateTensorValueFromMemory(buffer, [1, 84, Anchors]);
        _fixture.Session.Run([input], [preallocated]);
        Assert.Equal(allocated[0].GetTensorDataAsSpan<float>().ToArray(), buffer);
    }

    [Fact]
    public void Io_binding_writes_into_the_bound_buffer_and_allocates_on_request()
    {
        using var input = OrtValue.CreateTensorValueFromMemory(_fixture.Input, [1, 3, 640, 640]);
        using var expected = _fixture.Session.Run([input]);
        var buffer = new float[84 * Anchors];
        using var output = OrtValue.CreateTensorValueFromMemory(buffer, [1, 84, Anchors]);
        using var binding = _fixture.Session.Ort.CreateIoBinding();
        using var runOptions = new RunOptions();
        binding.BindInput("images", input);
        binding.BindOutput("output0", output);
        _fixture.Session.Ort.RunWithBinding(runOptions, binding);
        Assert.Equal(expected[0].GetTensorDataAsSpan<float>().ToArray(), buffer);

        // Bound to host memory instead (what the pipeline does): each run gets fresh output values.
        binding.ClearBoundOutputs();
        binding.BindOutputToDevice("output0", OrtMemoryInfo.DefaultInstance);
        _fixture.Session.Ort.RunWithBinding(runOptions, binding);
        using var outputs = binding.GetOutputValues();
        var fresh = Assert.Single(outputs);
        Assert.Equal(expected[0].GetTensorDataAsSpan<float>().ToArray(), fresh.GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void Tensor_over_caller_memory_is_not_a_copy()
    {
        var data = new float[6];
        using var tensor = OrtValue.CreateTensorValueFromMemory(data, [2, 3]);
        data[4] = 42f;
        Assert.Equal(42f, tensor.GetTensorDataAsSpan<float>()[4]);
        tensor.GetTensorMutableDataAsSpan<float>()[1] = 7f;
        Assert.Equal(7f, data[1]);
        Assert.ThrowsAny<Exception>(() => OrtValue.CreateTensorValueFromMemory(data, [4, 2]));
    }

    [Fact]
    public void Wrong_input_shape_surfaces_ort_s_message()
    {
        using var input = OrtValue.CreateTensorValueFromMemory(new float[3 * 320 * 320], [1, 3, 320, 320]);
        var e = Assert.Throws<OnnxRuntimeException>(() => _fixture.Session.Run([input]).Dispose());
        Assert.Contains("images", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_loads_from_bytes_too()
    {
        using var session = ModelSession.Create(File.ReadAllBytes(TestData.DetectionModel));
        Assert.Equal("(memory)", session.Source);
        Assert.Equal("images", session.Inputs[0].Name);
    }

    private (float X1, float Y1, float X2, float Y2) ToSource((float Cx, float Cy, float W, float H) box)
    {
        var g = _fixture.Geometry;
        return (g.ToSourceX(box.Cx - (box.W / 2)), g.ToSourceY(box.Cy - (box.H / 2)), g.ToSourceX(box.Cx + (box.W / 2)), g.ToSourceY(box.Cy + (box.H / 2)));
    }

    /// <summary>A minimal decode of [84, 8400]: for each class, the anchor with the highest score and its box.</summary>
    private static (float Score, (float Cx, float Cy, float W, float H) Box)[] BestPerClass(ReadOnlySpan<float> output)
    {
        var best = new (float Score, (float, float, float, float) Box)[80];
        for (int a = 0; a < Anchors; a++)
        {
            for (int c = 0; c < 80; c++)
            {
                float score = output[((4 + c) * Anchors) + a];
                if (score > best[c].Score)
                {
                    best[c] = (score, (output[a], output[Anchors + a], output[(2 * Anchors) + a], output[(3 * Anchors) + a]));
                }
            }
        }

        return best;
    }
}
