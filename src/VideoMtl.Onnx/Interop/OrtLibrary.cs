using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace VideoMtl.Onnx.Interop;

/// <summary>
/// The process-wide loaded libonnxruntime: its function table, its single OrtEnv, a CPU memory info and
/// the default allocator. ORT allows one environment per process, so this is static and loaded once;
/// every SafeHandle releases through <see cref="Api"/>, which therefore outlives all of them.
/// </summary>
internal static unsafe class OrtLibrary
{
    private static readonly Lock Gate = new();
    private static OrtApiTable? s_api;
    private static ILogger? s_logger;

    public static OrtApiTable Api => s_api ?? throw new OrtException(OrtErrorCode.LibraryNotLoaded, "ONNX Runtime is not loaded: call OrtRuntime.Load first");

    public static bool IsLoaded => s_api is not null;

    public static string? LoadedPath { get; private set; }

    public static string Version { get; private set; } = string.Empty;

    public static OrtEnvHandle Environment { get; private set; } = null!;

    public static OrtMemoryInfoHandle CpuMemoryInfo { get; private set; } = null!;

    /// <summary>ORT's default CPU allocator: not owned, never released.</summary>
    public static nint DefaultAllocator { get; private set; }

    public static void Load(OrtLibraryLocation location, OrtLogLevel logLevel, ILogger? logger)
    {
        lock (Gate)
        {
            if (s_api is not null)
            {
                if (!string.Equals(LoadedPath, location.Path, StringComparison.Ordinal))
                {
                    throw new OrtException(
                        OrtErrorCode.LibraryNotLoaded,
                        $"ONNX Runtime is already loaded from {LoadedPath}; one process can use only one library (asked for {location.Path})");
                }

                return;
            }

            if (!File.Exists(location.Path))
            {
                throw new OrtException(
                    OrtErrorCode.LibraryNotLoaded,
                    $"ONNX Runtime library not found: {location.Path} (from {location.Origin}); run ./setup.sh to install it, or set {OrtLibraryLocator.EnvironmentVariable} to a libonnxruntime.so");
            }

            nint library;
            try
            {
                library = NativeLibrary.Load(location.Path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new OrtException(
                    OrtErrorCode.LibraryNotLoaded,
                    $"cannot load ONNX Runtime library {location.Path} (from {location.Origin}): {FirstLine(e.Message)}");
            }

            if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out nint getApiBase))
            {
                NativeLibrary.Free(library);
                throw new OrtException(
                    OrtErrorCode.LibraryNotLoaded,
                    $"{location.Path} is not an ONNX Runtime library (it has no OrtGetApiBase export); point {OrtLibraryLocator.EnvironmentVariable} at libonnxruntime.so");
            }

            // OrtApiBase is { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }.
            var apiBase = ((delegate* unmanaged<nint**>)getApiBase)();
            var getApi = (delegate* unmanaged<uint, void**>)apiBase[0];
            var getVersion = (delegate* unmanaged<byte*>)apiBase[1];
            string version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "unknown";
            void** table = getApi(OrtApiTable.RequestedApiVersion);
            if (table == null)
            {
                throw new OrtException(
                    OrtErrorCode.LibraryNotLoaded,
                    $"ONNX Runtime {version} at {location.Path} is too old: VideoMtl needs API version {OrtApiTable.RequestedApiVersion} (ORT 1.{OrtApiTable.RequestedApiVersion}) or newer");
            }

            var api = new OrtApiTable(table);
            s_api = api;
            s_logger = logger;
            LoadedPath = location.Path;
            Version = version;
            try
            {
                CreateEnvironment(api, logLevel);
            }
            catch
            {
                s_api = null;
                LoadedPath = null;
                throw;
            }
        }
    }

    public static string TakeString(byte* value)
    {
        try
        {
            return Marshal.PtrToStringUTF8((nint)value) ?? string.Empty;
        }
        finally
        {
            if (value != null)
            {
                OrtStatus.VerifySuccess(Api.AllocatorFree(DefaultAllocator, value));
            }
        }
    }

    private static void CreateEnvironment(OrtApiTable api, OrtLogLevel logLevel)
    {
        nint env;
        fixed (byte* logId = "videomtl\0"u8)
        {
            OrtStatus.VerifySuccess(api.CreateEnvWithCustomLogger(&OnOrtLog, nint.Zero, (int)logLevel, logId, &env));
        }

        var envHandle = new OrtEnvHandle();
        Marshal.InitHandle(envHandle, env);
        Environment = envHandle;
        OrtStatus.VerifySuccess(api.DisableTelemetryEvents(env));

        nint memoryInfo;
        OrtStatus.VerifySuccess(api.CreateCpuMemoryInfo(1 /* OrtArenaAllocator */, 0 /* OrtMemTypeDefault */, &memoryInfo));
        var memoryHandle = new OrtMemoryInfoHandle();
        Marshal.InitHandle(memoryHandle, memoryInfo);
        CpuMemoryInfo = memoryHandle;

        nint allocator;
        OrtStatus.VerifySuccess(api.GetAllocatorWithDefaultOptions(&allocator));
        DefaultAllocator = allocator;
    }

    // ORT calls this from its own threads; it must not throw back into native code.
    [UnmanagedCallersOnly]
    private static void OnOrtLog(nint param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        try
        {
            var logger = s_logger;
            if (logger is null)
            {
                return;
            }

            var level = severity switch
            {
                0 => LogLevel.Trace,
                1 => LogLevel.Debug,
                2 => LogLevel.Warning,
                3 => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            if (logger.IsEnabled(level))
            {
                logger.Log(level, "onnxruntime: {Message}", Marshal.PtrToStringUTF8((nint)message));
            }
        }
        catch
        {
            // Logging must never take the process down from a native thread.
        }
    }

    private static string FirstLine(string text)
    {
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? text : text[..newline]).Trim();
    }
}
