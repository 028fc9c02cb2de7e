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

    public static string CacheRoot => CacheRootFrom(Environment.GetEnvironmentVariable);

    public static string DefaultInstallPath => InstallPathFrom(Environment.GetEnvironmentVariable);

    public static OrtLibraryLocation Resolve(string? explicitPath = null) => Resolve(explicitPath, Environment.GetEnvironmentVariable);

    /// <summary>The same resolution over a given environment (tests must not change the process's own).</summary>
    internal static OrtLibraryLocation Resolve(string? explicitPath, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return new OrtLibraryLocation(Path.GetFullPath(explicitPath), "the --ort-lib option");
        }

        string? fromEnvironment = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new OrtLibraryLocation(Path.GetFullPath(fromEnvironment), EnvironmentVariable);
        }

        return new OrtLibraryLocation(InstallPathFrom(environment), "the setup.sh install location");
    }

    private static string InstallPathFrom(Func<string, string?> environment) =>
        Path.Combine(CacheRootFrom(environment), "onnxruntime", InstalledVersion, "libonnxruntime.so.1");

    private static string CacheRootFrom(Func<string, string?> environment)
    {
        string? explicitRoot = environment("VIDEOMTL_CACHE_DIR");
        if (!string.IsNullOrEmpty(explicitRoot))
        {
            return explicitRoot;
        }

        string? xdg = environment("XDG_CACHE_HOME");
        string baseDir = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(baseDir, "videomtl");
    }
}
