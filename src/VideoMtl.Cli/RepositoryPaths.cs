namespace VideoMtl.Cli;

/// <summary>
/// Where VideoMtl's own files are: the launcher exports VIDEOMTL_HOME; otherwise the folder holding
/// VideoMtl.sln above the executable, otherwise the current directory.
/// </summary>
internal static class RepositoryPaths
{
    public const string DefaultModelFileName = "yolov8n-mt.onnx";

    public static string Root { get; } = FindRoot();

    /// <summary>Setup's cache folder: $VIDEOMTL_CACHE_DIR, else $XDG_CACHE_HOME/videomtl, else ~/.cache/videomtl.</summary>
    public static string CacheDirectory
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("VIDEOMTL_CACHE_DIR");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            return Path.Combine(!string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "videomtl");
        }
    }

    /// <summary>Where TensorRT engines are cached unless configured: building one takes minutes.</summary>
    public static string DefaultTensorRtEngineCache => Path.Combine(CacheDirectory, "tensorrt");

    /// <summary>The shared media folder: <c>$VIDEOMTL_SHARED_DIR/media</c>, else <c>../shared/media</c> beside the installation.</summary>
    public static string SharedMedia
    {
        get
        {
            string? shared = Environment.GetEnvironmentVariable("VIDEOMTL_SHARED_DIR");
            return Path.Combine(string.IsNullOrEmpty(shared) ? Path.Combine(Root, "..", "shared") : shared, "media");
        }
    }

    public static string DefaultModel => Path.Combine(Root, "models", DefaultModelFileName);

    /// <summary>The --model value, or the default model; a missing file is a <see cref="UserError"/> with the fix.</summary>
    public static string ResolveModel(string? option)
    {
        string path = option ?? DefaultModel;
        if (Directory.Exists(path))
        {
            throw new UserError($"--model {path} is a folder: give the .onnx file (e.g. {Path.Combine(path, DefaultModelFileName)})");
        }

        if (File.Exists(path) && new FileInfo(path).Length == 0)
        {
            throw new UserError($"--model {path} is empty (0 bytes): give a multi-task .onnx model, or run ./setup.sh to build the default one");
        }

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
