using VideoMtl.TestSupport;

namespace VideoMtl.Onnx.Tests;

public sealed class BadInputTests
{
    [Fact]
    public void Missing_model_file_names_the_path()
    {
        OrtRuntime.Load();
        var e = Assert.Throws<OrtException>(() => InferenceSession.Create("/no/such/model.onnx"));
        Assert.Equal(OrtErrorCode.NoSuchFile, e.Code);
        Assert.Equal("model file not found: /no/such/model.onnx", e.Message);
    }

    [Fact]
    public void Corrupt_model_is_reported_with_ort_s_reason()
    {
        OrtRuntime.Load();
        using var temp = new TemporaryDirectory();
        string path = temp.File("corrupt.onnx");
        var bytes = File.ReadAllBytes(TestData.DetectionModel).AsSpan(0, 4096).ToArray();
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<OrtException>(() => InferenceSession.Create(path));
        Assert.StartsWith($"cannot load model {path}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("rotobuf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_library_path_in_the_same_process_is_refused()
    {
        OrtRuntime.Load();
        using var temp = new TemporaryDirectory();
        var e = Assert.Throws<OrtException>(() => OrtRuntime.Load(temp.File("libonnxruntime.so.1")));
        Assert.Equal(OrtErrorCode.LibraryNotLoaded, e.Code);
        Assert.Contains("already loaded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Library_location_follows_option_then_environment_then_install()
    {
        var environment = new Dictionary<string, string?>();
        string? Lookup(string name) => environment.GetValueOrDefault(name);

        var fromOption = OrtLibraryLocator.Resolve("/opt/ort/libonnxruntime.so", Lookup);
        Assert.Equal(("/opt/ort/libonnxruntime.so", "the --ort-lib option"), (fromOption.Path, fromOption.Origin));

        environment[OrtLibraryLocator.EnvironmentVariable] = "/x/libonnxruntime.so";
        var fromEnv = OrtLibraryLocator.Resolve(null, Lookup);
        Assert.Equal(("/x/libonnxruntime.so", OrtLibraryLocator.EnvironmentVariable), (fromEnv.Path, fromEnv.Origin));

        environment.Clear();
        environment["VIDEOMTL_CACHE_DIR"] = "/cache";
        Assert.Equal("/cache/onnxruntime/1.30.0/libonnxruntime.so.1", OrtLibraryLocator.Resolve(null, Lookup).Path);
        environment.Clear();
        environment["XDG_CACHE_HOME"] = "/xdg";
        Assert.Equal("/xdg/videomtl/onnxruntime/1.30.0/libonnxruntime.so.1", OrtLibraryLocator.Resolve(null, Lookup).Path);
    }
}
