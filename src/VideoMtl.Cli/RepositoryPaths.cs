namespace VideoMtl.Cli;

/// <summary>
/// Where VideoMtl's own files are: the launcher exports VIDEOMTL_HOME; otherwise the folder holding
/// VideoMtl.sln above the executable, otherwise the current directory.
/// </summary>
internal static class RepositoryPaths
{
    public const string DefaultModelFileName = "yolov8n-mt.onnx";

    public static string Root { get; } = FindRoot();

    public static string DefaultModel => Path.Combine(Root, "models", DefaultModelFileName);

    /// <summary>The --model value, or the default model; a missing file is a <see cref="UserError"/> with the fix.</summary>
    public static string ResolveModel(string? option)
    {
        string path = option ?? DefaultModel;
        return File.Exists(path)
            ? path
            : throw new UserError($"model not found: {path} ({(option is null ? "run ./setup.sh to build the default model" : "check --model")})");
    }

    private static string FindRoot()
    {
        string? home = Environment.GetEnvironmentVariable("VIDEOMTL_HOME");
        if (!string.IsNullOrEmpty(home) && Directory.Exists(home))
        {
            return Path.GetFullPath(home);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VideoMtl.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
