using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.Inference;

/// <summary>Facts about the ONNX Runtime this process runs (the NuGet package's native library).</summary>
public static class OnnxRuntimeInfo
{
    /// <summary>The native library's version, e.g. 1.32.0.</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <summary>
    /// Providers compiled into the library. The package's GPU build lists CUDA and TensorRT whether or not the
    /// CUDA libraries they need are present: <see cref="GpuLibraries.Missing"/> tells.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>Where the provider libraries of the package sit (beside the application).</summary>
    public static string NativeDirectory
    {
        get
        {
            string nested = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
            return Directory.Exists(nested) ? nested : AppContext.BaseDirectory;
        }
    }
}
