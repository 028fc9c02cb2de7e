namespace VideoMtl.TestSupport;

/// <summary>
/// Locates the repository and the shared data beside it (<c>../shared</c>, or <c>VIDEOMTL_SHARED_DIR</c>).
/// Tests that need the data fail with a clear message when it is missing rather than silently skipping.
/// </summary>
public static class TestData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string SharedRoot
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("VIDEOMTL_SHARED_DIR");
            string path = !string.IsNullOrEmpty(configured) ? configured : Path.Combine(RepositoryRoot, "..", "shared");
            return Directory.Exists(path)
                ? Path.GetFullPath(path)
                : throw new DirectoryNotFoundException($"shared test data not found at {Path.GetFullPath(path)}: put it beside the checkout or set VIDEOMTL_SHARED_DIR");
        }
    }

    public static string Media(string name) => Existing(Path.Combine(SharedRoot, "media", name));

    public static string Model(string name) => Existing(Path.Combine(SharedRoot, "models", name));

    public static string VtestAvi => Media("vtest.avi");

    public static string WalkingMp4 => Media("walking.mp4");

    public static string BusJpg => Media("bus.jpg");

    public static string DetectionModel => Model("yolov8n-uint8.onnx");

    /// <summary>The segmentation export the default model is built from (and the trunk of a distilled one).</summary>
    public static string SegmentationModel => Model("yolov8n-seg-uint8.onnx");

    /// <summary>The pose export the default model is built from (and the teacher of a distilled one).</summary>
    public static string PoseModel => Model("yolov8n-pose-uint8.onnx");

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"shared test file missing: {path}");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VideoMtl.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("VideoMtl.sln not found above the test assembly");
    }
}
