namespace VideoMtl.Onnx;

/// <summary>
/// Finds libonnxruntime: an explicit path (command-line option) first, then <c>VIDEOMTL_ORT_LIB</c>, then
/// where <c>setup.sh</c> installs it (<c>$VIDEOMTL_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/videomtl</c>,
/// else <c>~/.cache/videomtl</c>, then <c>onnxruntime/1.30.0/libonnxruntime.so.1</c>).
/// </summary>
public static class OrtLibraryLocator
{
    public const string EnvironmentVariable = "VIDEOMTL_ORT_LIB";

    /// <summary>The version setup.sh installs (from the onnxruntime-node npm package).</summary>
    public const string InstalledVersion = "1.30.0";

    public static string CacheRoot
    {
        get
        {
            string? explicitRoot = Environment.GetEnvironmentVariable("VIDEOMTL_CACHE_DIR");
            if (!string.IsNullOrEmpty(explicitRoot))
            {
                return explicitRoot;
            }

            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseDir = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "videomtl");
        }
    }

    public static string DefaultInstallPath => Path.Combine(CacheRoot, "onnxruntime", InstalledVersion, "libonnxruntime.so.1");

    public static OrtLibraryLocation Resolve(string? explicitPath = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return new OrtLibraryLocation(Path.GetFullPath(explicitPath), "the --ort-lib option");
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new OrtLibraryLocation(Path.GetFullPath(fromEnvironment), EnvironmentVariable);
        }

        return new OrtLibraryLocation(DefaultInstallPath, "the setup.sh install location");
    }
}
