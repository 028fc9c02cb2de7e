using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VideoMtl.Onnx.Interop;

namespace VideoMtl.Onnx;

/// <summary>
/// The loaded ONNX Runtime library (one per process): version, compiled-in execution providers and
/// whether the GPU provider libraries can actually be loaded.
/// </summary>
public sealed unsafe class OrtRuntime
{
    private static OrtRuntime? s_current;

    private OrtRuntime(OrtLibraryLocation location)
    {
        Location = location;
    }

    public OrtLibraryLocation Location { get; }

    public string Version => OrtLibrary.Version;

    /// <summary>
    /// Providers compiled into the library (GetAvailableProviders). A GPU build lists CUDA even when its
    /// provider library or the driver is missing: see <see cref="ProbeProviderLibrary"/>.
    /// </summary>
    public IReadOnlyList<string> AvailableProviders
    {
        get
        {
            var api = OrtLibrary.Api;
            byte** names;
            int count;
            OrtStatus.VerifySuccess(api.GetAvailableProviders(&names, &count));
            try
            {
                var result = new string[count];
                for (int i = 0; i < count; i++)
                {
                    result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
                }

                return result;
            }
            finally
            {
                OrtStatus.VerifySuccess(api.ReleaseAvailableProviders(names, count));
            }
        }
    }

    /// <summary>Loads the library found by <see cref="OrtLibraryLocator"/> (idempotent for the same path).</summary>
    public static OrtRuntime Load(string? libraryPath = null, OrtLogLevel logLevel = OrtLogLevel.Warning, ILogger? logger = null)
    {
        var location = OrtLibraryLocator.Resolve(libraryPath);
        OrtLibrary.Load(location, logLevel, logger);
        return s_current ??= new OrtRuntime(location);
    }

    /// <summary>Tries to load the provider library of <paramref name="device"/> from beside libonnxruntime.</summary>
    public ProviderLibraryStatus ProbeProviderLibrary(ExecutionDevice device)
    {
        if (device == ExecutionDevice.Cpu)
        {
            return new ProviderLibraryStatus(device, true, "built in");
        }

        string directory = Path.GetDirectoryName(Location.Path) ?? ".";
        string[] required = device == ExecutionDevice.Cuda
            ? ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"]
            : ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_tensorrt.so"];
        foreach (string name in required)
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                return new ProviderLibraryStatus(device, false, $"{name} not found in {directory}");
            }

            try
            {
                nint handle = NativeLibrary.Load(path);
                NativeLibrary.Free(handle);
            }
            catch (DllNotFoundException e)
            {
                return new ProviderLibraryStatus(device, false, $"{name} cannot be loaded: {e.Message.Split('\n')[0].Trim()}");
            }
        }

        return new ProviderLibraryStatus(device, true, $"loadable from {directory}");
    }
}
