using Microsoft.ML.OnnxRuntime;
using VideoMtl.TestSupport;

namespace VideoMtl.ModelTools.Tests;

public sealed class NeckFeaturesTests
{
    [Theory]
    [InlineData("yolov8n-seg-uint8.onnx", 2)]
    [InlineData("yolov8n-pose-uint8.onnx", 1)]
    public void The_three_feature_maps_the_head_reads_become_outputs_beside_the_exports_own(string export, int ownOutputs)
    {
        byte[] bytes = NeckFeatures.Expose(TestData.Model(export), out var headInputs);
        Assert.Equal(3, headInputs.Count);
        using var session = new InferenceSession(bytes);
        Assert.Equal(ownOutputs + 3, session.OutputNames.Count);
        Assert.Equal(NeckFeatures.OutputNames, session.OutputNames.Skip(ownOutputs));

        using var input = OrtValue.CreateTensorValueFromMemory(new float[3 * 640 * 640], [1, 3, 640, 640]);
        using var outputs = session.Run(new RunOptions(), session.InputNames, [input], session.OutputNames);
        // YOLOv8n's neck: 64 channels at stride 8, 128 at 16, 256 at 32.
        Assert.Equal([1L, 64, 80, 80], outputs[ownOutputs].GetTensorTypeAndShape().Shape);
        Assert.Equal([1L, 128, 40, 40], outputs[ownOutputs + 1].GetTensorTypeAndShape().Shape);
        Assert.Equal([1L, 256, 20, 20], outputs[ownOutputs + 2].GetTensorTypeAndShape().Shape);
    }

    [Fact]
    public void A_model_that_is_not_an_ultralytics_export_is_named()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("not.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        var error = Assert.Throws<InvalidDataException>(() => NeckFeatures.Expose(path, out _));
        Assert.Contains("not.onnx", error.Message, StringComparison.Ordinal);
    }
}
