using System.Runtime.InteropServices;

namespace VideoMtl.Inference;

/// <summary>
/// The shared libraries a GPU provider of the ONNX Runtime package needs at run time, each looked for the way
/// the dynamic loader will (LD_LIBRARY_PATH, the loader cache, the system folders). The package's CUDA
/// provider (libonnxruntime_providers_cuda.so, built for CUDA 13) links the CUDA runtime, cuBLAS and cuRAND and
/// opens cuDNN 9 when a session starts; TensorRT adds libnvinfer and its ONNX parser. Checking them first names
/// every missing one, where ONNX Runtime stops at the first and reports it only on stderr.
/// </summary>
public static class GpuLibraries
{
    /// <summary>The NVIDIA driver's library, then the CUDA 13 runtime libraries and cuDNN 9.</summary>
    public static readonly IReadOnlyList<string> Cuda =
        ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    /// <summary>What TensorRT needs on top of <see cref="Cuda"/>.</summary>
    public static readonly IReadOnlyList<string> TensorRt = ["libnvinfer.so.10", "libnvonnxparser.so.10"];

    /// <summary>What to install when something is missing.</summary>
    public const string Fix =
        "install the NVIDIA driver, the CUDA 13 runtime libraries (cudart, cuBLAS, cuRAND) and cuDNN 9 " +
        "(e.g. the lib folders of NVIDIA's *-cu13 Python wheels on LD_LIBRARY_PATH); TensorRT also needs TensorRT 10";

    /// <summary>Every library <paramref name="device"/> needs, with where it was found (null: missing).</summary>
    public static IReadOnlyList<(string Library, string? Path)> Check(ExecutionDevice device)
    {
        var needed = device switch
        {
            ExecutionDevice.Cuda => Cuda,
            ExecutionDevice.TensorRt => [.. Cuda, .. TensorRt],
            _ => [],
        };
        return [.. needed.Select(name => (name, Locate(name)))];
    }

    /// <summary>The libraries of <paramref name="device"/> that cannot be loaded (empty when all can).</summary>
    public static IReadOnlyList<string> Missing(ExecutionDevice device) =>
        [.. Check(device).Where(l => l.Path is null).Select(l => l.Library)];

    /// <summary>Where the loader finds <paramref name="name"/>, or null when it cannot load it.</summary>
    public static string? Locate(string name)
    {
        // Loading is the only sure test (a file may be there but for another architecture or with its own
        // dependencies missing); the folder search then says where it came from for the report.
        if (!NativeLibrary.TryLoad(name, out nint handle))
        {
            return null;
        }

        NativeLibrary.Free(handle);
        foreach (string folder in SearchFolders())
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return name + " (from the loader cache)";
    }

    private static IEnumerable<string> SearchFolders()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            yield return folder;
        }

        yield return AppContext.BaseDirectory;
        foreach (string folder in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/local/cuda/lib64", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu" })
        {
            yield return folder;
        }
    }
}
