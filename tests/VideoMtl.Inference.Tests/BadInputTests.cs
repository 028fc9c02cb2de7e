using VideoMtl.TestSupport;

namespace VideoMtl.Inference.Tests;

public sealed class BadInputTests
{
    [Fact]
    public void Missing_model_file_names_the_path()
    {
        var e = Assert.Throws<InferenceException>(() => ModelSession.Create("/no/such/model.onnx"));
        Assert.Equal("model file not found: /no/such/model.onnx", e.Message);
    }

    [Fact]
    public void Corrupt_model_is_reported_with_ort_s_reason()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("corrupt.onnx");
        var bytes = File.ReadAllBytes(TestData.DetectionModel).AsSpan(0, 4096).ToArray();
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InferenceException>(() => ModelSession.Create(path));
        Assert.StartsWith($"cannot load model {path}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("rotobuf", e.Message, StringComparison.Ordinal);
    }
}
