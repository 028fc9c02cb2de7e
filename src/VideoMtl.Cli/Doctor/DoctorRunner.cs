using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using VideoMtl.Inference;
using VideoMtl.Inference.Threading;
using VideoMtl.Vision;

namespace VideoMtl.Cli.Doctor;

/// <summary>Checks every native piece the pipeline needs, each in isolation so one failure does not hide the rest.</summary>
internal sealed class DoctorRunner
{
    private static readonly string[] RequiredVideoBackends = ["FFMPEG"];
    private static readonly string[] ReportedVideoBackends = ["FFMPEG", "GSTREAMER", "V4L2"];

    private readonly string _modelPath;
    private readonly bool _modelIsExplicit;
    private readonly int _threads;

    /// <summary>ONNX Runtime's own intra-op thread count, counted while the model check loads the model with the defaults.</summary>
    private int? _ortDefaultThreads;

    /// <param name="threads">The <c>--threads</c> a run would get (0: choose).</param>
    public DoctorRunner(string? modelPath, int threads = 0)
    {
        _threads = threads;
        _modelIsExplicit = modelPath is not null;
        _modelPath = modelPath ?? RepositoryPaths.DefaultModel;
    }

    public DoctorReport Run()
    {
        var checks = new List<DoctorCheck>
        {
            new(".NET", CheckStatus.Ok, $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})"),
            Guard("OpenCV", CheckOpenCv),
            CheckFfmpeg(),
        };
        var ort = Guard("ONNX Runtime", CheckOnnxRuntime);
        checks.Add(ort);
        if (ort.Status != CheckStatus.Fail)
        {
            checks.Add(Guard("CUDA provider", () => CheckProvider(ExecutionDevice.Cuda)));
            checks.Add(Guard("TensorRT provider", () => CheckProvider(ExecutionDevice.TensorRt)));
        }

        var budget = CpuBudget.Detect(); // read once: the CPU line and the thread choice describe the same limits
        checks.Add(new DoctorCheck("CPU", CheckStatus.Info, $"{budget.Describe()}{CpuModel()}"));
        checks.Add(Guard("GPU", CheckGpu));
        checks.Add(ort.Status == CheckStatus.Fail
            ? new DoctorCheck("Model", CheckStatus.Fail, "not checked: ONNX Runtime is not available", "fix ONNX Runtime first")
            : Guard("Model", CheckModel));
        checks.Add(CheckThreads(budget));
        return new DoctorReport(checks);
    }

    private static DoctorCheck Guard(string name, Func<DoctorCheck> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is DllNotFoundException || e.InnerException is DllNotFoundException)
        {
            // OpenCvSharp's type initializer wraps it: a shared library its native build links to is missing.
            string why = FirstLine((e.InnerException as DllNotFoundException ?? e).Message);
            return new DoctorCheck(name, CheckStatus.Fail, why, "run ./setup.sh (it installs the Debian libraries OpenCvSharp's and ONNX Runtime's native builds load)");
        }
        catch (Exception e) when (e is InferenceException or OnnxRuntimeException or VisionException or IOException or InvalidOperationException)
        {
            return new DoctorCheck(name, CheckStatus.Fail, FirstLine(e.Message), "run ./setup.sh");
        }
    }

    private static DoctorCheck CheckOpenCv()
    {
        string version = OpenCvInfo.Version;
        var backends = OpenCvInfo.VideoBackends;
        var shown = ReportedVideoBackends.Select(b => $"{b} {(backends.Contains(b) ? "yes" : "no")}");
        string detail = $"{version}; video I/O: {string.Join(", ", shown)} (all: {string.Join(",", backends)})";
        var missing = RequiredVideoBackends.Where(b => !backends.Contains(b)).ToArray();
        return missing.Length == 0
            ? new DoctorCheck("OpenCV", CheckStatus.Ok, detail)
            : new DoctorCheck("OpenCV", CheckStatus.Fail, detail, $"this OpenCV build lacks {string.Join(", ", missing)}: restore the OpenCvSharp4.official.runtime.linux-x64 package (./setup.sh)");
    }

    /// <summary>Debian's ffmpeg reads cameras and network streams and writes the mp4: it must be there with x264.</summary>
    private static DoctorCheck CheckFfmpeg()
    {
        var info = Media.FfmpegInfo.Probe(TimeSpan.FromSeconds(10));
        if (info is null)
        {
            return new DoctorCheck("FFmpeg", CheckStatus.Fail, "no ffmpeg on PATH (cameras, network streams and the mp4 output need it)", "install Debian's ffmpeg: apt-get install ffmpeg (./setup.sh does)");
        }

        string detail = $"{info.Version}; H.264 encoders: {(info.H264Encoders.Count == 0 ? "none" : string.Join(", ", info.H264Encoders))}";
        return info.H264Encoders.Contains("libx264")
            ? new DoctorCheck("FFmpeg", CheckStatus.Ok, detail)
            : new DoctorCheck("FFmpeg", CheckStatus.Fail, detail, "this ffmpeg has no libx264 for the mp4 output: install Debian's ffmpeg (apt-get install ffmpeg)");
    }

    private static DoctorCheck CheckOnnxRuntime()
    {
        var providers = OnnxRuntimeInfo.AvailableProviders;
        string detail = $"{OnnxRuntimeInfo.Version} (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux) from {OnnxRuntimeInfo.NativeDirectory}; providers compiled in: {string.Join(", ", providers)}";
        return providers.Contains("CPUExecutionProvider")
            ? new DoctorCheck("ONNX Runtime", CheckStatus.Ok, detail)
            : new DoctorCheck("ONNX Runtime", CheckStatus.Fail, detail, "this ONNX Runtime build has no CPU provider; run ./setup.sh");
    }

    /// <summary>
    /// Whether a GPU provider can run here: each library it needs, found (with its path) or missing, and for
    /// CUDA whether a session with the provider really starts.
    /// </summary>
    private DoctorCheck CheckProvider(ExecutionDevice device)
    {
        string name = device == ExecutionDevice.Cuda ? "CUDA provider" : "TensorRT provider";
        string providerName = device == ExecutionDevice.Cuda ? "CUDAExecutionProvider" : "TensorrtExecutionProvider";
        if (!OnnxRuntimeInfo.AvailableProviders.Contains(providerName))
        {
            return new DoctorCheck(name, CheckStatus.Info, "not compiled into this ONNX Runtime build (--device falls back to CPU)");
        }

        var libraries = GpuLibraries.Check(device);
        string listing = string.Join(", ", libraries.Select(l => $"{l.Library} {(l.Path is null ? "missing" : "at " + l.Path)}"));
        var missing = libraries.Where(l => l.Path is null).Select(l => l.Library).ToList();
        string flag = device.ToString().ToLowerInvariant();
        if (missing.Count > 0)
        {
            return new DoctorCheck(name, CheckStatus.Info, $"does not load: missing {string.Join(", ", missing)} (--device {flag} falls back to CPU); {listing}", GpuLibraries.Fix);
        }

        // Every library is there: the proof is a session that starts with the provider.
        if (!File.Exists(_modelPath))
        {
            return new DoctorCheck(name, CheckStatus.Info, $"libraries found; not started (no model to start it with); {listing}");
        }

        try
        {
            using var session = ModelSession.Create(_modelPath, new InferenceSessionOptions { Provider = new ExecutionProviderOptions { Device = device, Strict = true }, LogLevel = OrtLogLevel.Fatal });
            return new DoctorCheck(name, CheckStatus.Ok, $"loads and starts a session ({string.Join(", ", session.ExecutionProviders)}); {listing}");
        }
        catch (Exception e) when (e is InferenceException or OnnxRuntimeException)
        {
            return new DoctorCheck(name, CheckStatus.Warning, $"libraries found but the provider does not start: {FirstLine(e.Message)}; {listing}", "check the NVIDIA driver (nvidia-smi) and that the CUDA libraries are version 13 and cuDNN 9");
        }
    }

    private static DoctorCheck CheckGpu()
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi", "--query-gpu=name,memory.total,driver_version --format=csv,noheader")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start);
            if (process is null)
            {
                return new DoctorCheck("GPU", CheckStatus.Info, "none found (nvidia-smi did not start)");
            }

            string text = process.StandardOutput.ReadToEnd().Trim();
            if (!process.WaitForExit(10_000) || process.ExitCode != 0 || text.Length == 0)
            {
                return new DoctorCheck("GPU", CheckStatus.Info, "none found (nvidia-smi reports no usable GPU)");
            }

            return new DoctorCheck("GPU", CheckStatus.Info, string.Join("; ", text.Split('\n', StringSplitOptions.TrimEntries)));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new DoctorCheck("GPU", CheckStatus.Info, "none found (nvidia-smi is not installed)");
        }
    }

    private DoctorCheck CheckModel()
    {
        if (!File.Exists(_modelPath))
        {
            return _modelIsExplicit
                ? new DoctorCheck("Model", CheckStatus.Fail, $"model file not found: {_modelPath}", "check the --model path")
                : new DoctorCheck("Model", CheckStatus.Fail, $"default model not built: {_modelPath}", "run ./setup.sh (it builds the model from models/sources/ or ../shared/models/)");
        }

        // Created with ONNX Runtime's defaults on purpose: the threads it starts show its own thread count.
        _ortDefaultThreads = ProcessThreads.OrtDefaultIntraOpThreads(
            () => ModelSession.Create(_modelPath, new InferenceSessionOptions { LogLevel = OrtLogLevel.Fatal }), out var created);
        using var session = created;
        string inputs = string.Join("; ", session.Inputs.Select(n => n.ToString()));
        string outputs = string.Join("; ", session.Outputs.Select(n => n.ToString()));
        string tasks = session.CustomMetadata.TryGetValue("videomtl.tasks", out string? t) ? $"tasks {t}; " : string.Empty;
        return new DoctorCheck("Model", CheckStatus.Ok, $"{_modelPath}: {tasks}inputs {inputs}; outputs {outputs}");
    }

    /// <summary>What a run will use and why: each CPU limit, ONNX Runtime's own guess, and the choice.</summary>
    private DoctorCheck CheckThreads(CpuBudget budget)
    {
        var choice = IntraOpThreadChoice.Resolve(_threads, budget);
        string ort = _ortDefaultThreads is { } guess ? $"ONNX Runtime's own default would be {guess}" : "ONNX Runtime's own default not measured (the model did not load)";
        string detail = $"a run uses {choice.Threads} intra-op thread{(choice.Threads == 1 ? "" : "s")}, {choice.Reason}; {ort}";
        if (_ortDefaultThreads is { } g && g < budget.Available && _threads == 0)
        {
            detail += $", which would leave {budget.Available - g} CPU{(budget.Available - g == 1 ? "" : "s")} idle";
        }

        return choice.Warning is null
            ? new DoctorCheck("Threads", CheckStatus.Ok, detail)
            : new DoctorCheck("Threads", CheckStatus.Warning, detail, choice.Warning);
    }

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? string.Empty : $" ({line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()})";
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static string FirstLine(string text)
    {
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? text : text[..newline]).Trim();
    }
}
