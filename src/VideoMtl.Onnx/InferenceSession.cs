using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VideoMtl.Onnx.Interop;

namespace VideoMtl.Onnx;

/// <summary>
/// One loaded model. Run is thread-safe (ORT's guarantee for a session); the pipeline still uses one
/// inference worker so that batches, not threads, share the cores.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OrtSessionHandle _handle;
    private readonly Utf8Name[] _inputNames;
    private readonly Utf8Name[] _outputNames;

    private InferenceSession(
        OrtSessionHandle handle, string source, IReadOnlyList<string> providers, string? fallbackReason)
    {
        _handle = handle;
        Source = source;
        ExecutionProviders = providers;
        ProviderFallbackReason = fallbackReason;
        Inputs = ReadNodes(input: true);
        Outputs = ReadNodes(input: false);
        _inputNames = Inputs.Select(n => new Utf8Name(n.Name)).ToArray();
        _outputNames = Outputs.Select(n => new Utf8Name(n.Name)).ToArray();
        Metadata = ReadMetadata();
    }

    /// <summary>The model file path, or "(memory)" for a model given as bytes.</summary>
    public string Source { get; }

    public IReadOnlyList<NodeMetadata> Inputs { get; }

    public IReadOnlyList<NodeMetadata> Outputs { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>Providers appended in priority order, e.g. CUDAExecutionProvider, CPUExecutionProvider.</summary>
    public IReadOnlyList<string> ExecutionProviders { get; }

    /// <summary>Why the requested GPU provider was not used (null when it was, or when CPU was asked for).</summary>
    public string? ProviderFallbackReason { get; }

    internal OrtSessionHandle Handle => _handle;

    public static InferenceSession Create(string modelPath, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new OrtException(OrtErrorCode.NoSuchFile, $"model file not found: {modelPath}");
        }

        byte[] path = System.Text.Encoding.UTF8.GetBytes(modelPath + "\0");
        return CreateCore(
            (env, sessionOptions) =>
            {
                nint session;
                fixed (byte* p = path)
                {
                    return (OrtLibrary.Api.CreateSession(env, p, sessionOptions, &session), session);
                }
            },
            modelPath,
            options ?? new InferenceSessionOptions(),
            logger);
    }

    public static InferenceSession Create(byte[] model, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return CreateCore(
            (env, sessionOptions) =>
            {
                nint session;
                fixed (byte* p = model)
                {
                    return (OrtLibrary.Api.CreateSessionFromArray(env, p, (nuint)model.Length, sessionOptions, &session), session);
                }
            },
            "(memory)",
            options ?? new InferenceSessionOptions(),
            logger);
    }

    /// <summary>Runs the model; inputs in <see cref="Inputs"/> order; returns every output, allocated by ORT.</summary>
    public OrtTensor[] Run(IReadOnlyList<OrtTensor> inputs)
    {
        var values = new nint[_outputNames.Length];
        RunCore(inputs, values, preallocated: null);
        var result = new OrtTensor[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = OrtTensor.FromOwnedValue(values[i]);
        }

        return result;
    }

    /// <summary>Runs the model into pre-allocated outputs (in <see cref="Outputs"/> order): no allocation by ORT.</summary>
    public void Run(IReadOnlyList<OrtTensor> inputs, IReadOnlyList<OrtTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count != _outputNames.Length)
        {
            throw new ArgumentException($"the model has {_outputNames.Length} outputs but {outputs.Count} tensors were given", nameof(outputs));
        }

        var values = new nint[outputs.Count];
        RunCore(inputs, values, outputs);
    }

    public IoBinding CreateIoBinding() => new(this);

    public void Dispose()
    {
        _handle.Dispose();
        foreach (var name in _inputNames)
        {
            name.Dispose();
        }

        foreach (var name in _outputNames)
        {
            name.Dispose();
        }
    }

    internal Utf8Name NameOf(string name, bool input)
    {
        foreach (var candidate in input ? _inputNames : _outputNames)
        {
            if (candidate.Value == name)
            {
                return candidate;
            }
        }

        var known = (input ? Inputs : Outputs).Select(n => n.Name);
        throw new ArgumentException($"the model has no {(input ? "input" : "output")} named '{name}' (it has: {string.Join(", ", known)})");
    }

    private static InferenceSession CreateCore(
        Func<nint, nint, (nint Status, nint Session)> create, string source, InferenceSessionOptions options, ILogger? logger)
    {
        if (!OrtLibrary.IsLoaded)
        {
            OrtRuntime.Load(logLevel: options.LogLevel, logger: logger);
        }

        var provider = options.Provider;
        using var sessionOptions = BuildOptions(options);
        var (providers, fallback) = AppendProvider(sessionOptions, provider);
        if (fallback is not null)
        {
            if (provider.Strict)
            {
                throw new OrtException(OrtErrorCode.EpFail, UnavailableMessage(provider, fallback) + "; drop the '!' from the device to fall back to CPU instead");
            }

            logger?.LogWarning("{Message}; running on CPU instead", UnavailableMessage(provider, fallback));
        }

        var (status, session) = create(OrtLibrary.Environment.DangerousGetHandle(), sessionOptions.DangerousGetHandle());
        if (status != nint.Zero && provider.Device != ExecutionDevice.Cpu && fallback is null)
        {
            // The provider library loaded but could not start (no driver, no device): same policy.
            string reason = OrtStatus.ToException(status).Message;
            if (provider.Strict)
            {
                throw new OrtException(OrtErrorCode.EpFail, UnavailableMessage(provider, reason));
            }

            logger?.LogWarning("{Message}; running on CPU instead", UnavailableMessage(provider, reason));
            fallback = reason;
            providers = ["CPUExecutionProvider"];
            using var cpuOptions = BuildOptions(options);
            (status, session) = create(OrtLibrary.Environment.DangerousGetHandle(), cpuOptions.DangerousGetHandle());
        }

        if (status != nint.Zero)
        {
            var error = OrtStatus.ToException(status);
            string hint = error.Message.Contains("Protobuf parsing failed", StringComparison.Ordinal)
                ? " (not an ONNX model, or a damaged/truncated copy: export or download it again)"
                : string.Empty;
            throw new OrtException(error.Code, $"cannot load model {source}: {error.Message.TrimEnd('.', ' ')}{hint}");
        }

        var handle = new OrtSessionHandle();
        Marshal.InitHandle(handle, session);
        try
        {
            return new InferenceSession(handle, source, providers, fallback);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static string UnavailableMessage(ExecutionProviderOptions provider, string reason) =>
        $"{(provider.Device == ExecutionDevice.Cuda ? "CUDA" : "TensorRT")} execution provider unavailable ({string.Join(' ', reason.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}); " +
        $"install an ONNX Runtime GPU build with its provider libraries and point {OrtLibraryLocator.EnvironmentVariable} at it";

    private static OrtSessionOptionsHandle BuildOptions(InferenceSessionOptions options)
    {
        var api = OrtLibrary.Api;
        nint raw;
        OrtStatus.VerifySuccess(api.CreateSessionOptions(&raw));
        var handle = new OrtSessionOptionsHandle();
        Marshal.InitHandle(handle, raw);
        try
        {
            OrtStatus.VerifySuccess(api.SetSessionGraphOptimizationLevel(raw, (int)options.GraphOptimization));
            OrtStatus.VerifySuccess(api.SetSessionExecutionMode(raw, (int)options.ExecutionMode));
            OrtStatus.VerifySuccess(api.SetSessionLogSeverityLevel(raw, (int)options.LogLevel));
            if (options.IntraOpThreads > 0)
            {
                OrtStatus.VerifySuccess(api.SetIntraOpNumThreads(raw, options.IntraOpThreads));
            }

            if (options.InterOpThreads > 0)
            {
                OrtStatus.VerifySuccess(api.SetInterOpNumThreads(raw, options.InterOpThreads));
            }

            foreach (var (key, value) in options.ConfigEntries)
            {
                using var k = new Utf8Name(key);
                using var v = new Utf8Name(value);
                OrtStatus.VerifySuccess(api.AddSessionConfigEntry(raw, k.Pointer, v.Pointer));
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Appends the requested GPU provider; returns the provider list and, on failure, ORT's reason.</summary>
    private static (string[] Providers, string? Failure) AppendProvider(OrtSessionOptionsHandle options, ExecutionProviderOptions provider)
    {
        string deviceId = provider.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (provider.Device)
        {
            case ExecutionDevice.Cuda:
                {
                    string? failure = AppendCuda(options, deviceId);
                    return failure is null ? (["CUDAExecutionProvider", "CPUExecutionProvider"], null) : (["CPUExecutionProvider"], failure);
                }

            case ExecutionDevice.TensorRt:
                {
                    var entries = new List<(string, string)>
                    {
                        ("device_id", deviceId),
                        ("trt_fp16_enable", provider.TensorRtFp16 ? "1" : "0"),
                    };
                    if (provider.TensorRtEngineCacheDirectory is { Length: > 0 } cache)
                    {
                        Directory.CreateDirectory(cache);
                        entries.Add(("trt_engine_cache_enable", "1"));
                        entries.Add(("trt_engine_cache_path", cache));
                    }

                    string? failure = AppendTensorRt(options, entries);
                    if (failure is not null)
                    {
                        return (["CPUExecutionProvider"], failure);
                    }

                    // Nodes TensorRT rejects go to CUDA rather than CPU when CUDA is there too.
                    return AppendCuda(options, deviceId) is null
                        ? (["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"], null)
                        : (["TensorrtExecutionProvider", "CPUExecutionProvider"], null);
                }

            default:
                return (["CPUExecutionProvider"], null);
        }
    }

    private static string? AppendCuda(OrtSessionOptionsHandle options, string deviceId)
    {
        var api = OrtLibrary.Api;
        nint raw;
        nint status = api.CreateCUDAProviderOptions(&raw);
        if (status != nint.Zero)
        {
            return OrtStatus.ToException(status).Message;
        }

        using var handle = new OrtCudaProviderOptionsHandle();
        Marshal.InitHandle(handle, raw);
        status = UpdateProviderOptions(api.UpdateCUDAProviderOptions, raw, [("device_id", deviceId)]);
        if (status == nint.Zero)
        {
            status = api.SessionOptionsAppendExecutionProvider_CUDA_V2(options.DangerousGetHandle(), raw);
        }

        return status == nint.Zero ? null : OrtStatus.ToException(status).Message;
    }

    private static string? AppendTensorRt(OrtSessionOptionsHandle options, List<(string, string)> entries)
    {
        var api = OrtLibrary.Api;
        nint raw;
        nint status = api.CreateTensorRTProviderOptions(&raw);
        if (status != nint.Zero)
        {
            return OrtStatus.ToException(status).Message;
        }

        using var handle = new OrtTensorRtProviderOptionsHandle();
        Marshal.InitHandle(handle, raw);
        status = UpdateProviderOptions(api.UpdateTensorRTProviderOptions, raw, entries);
        if (status == nint.Zero)
        {
            status = api.SessionOptionsAppendExecutionProvider_TensorRT_V2(options.DangerousGetHandle(), raw);
        }

        return status == nint.Zero ? null : OrtStatus.ToException(status).Message;
    }

    private static nint UpdateProviderOptions(
        delegate* unmanaged<nint, byte**, byte**, nuint, nint> update, nint providerOptions, List<(string Key, string Value)> entries)
    {
        var keys = entries.Select(e => new Utf8Name(e.Key)).ToArray();
        var values = entries.Select(e => new Utf8Name(e.Value)).ToArray();
        try
        {
            byte** keyPtrs = stackalloc byte*[keys.Length];
            byte** valuePtrs = stackalloc byte*[values.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                keyPtrs[i] = keys[i].Pointer;
                valuePtrs[i] = values[i].Pointer;
            }

            return update(providerOptions, keyPtrs, valuePtrs, (nuint)keys.Length);
        }
        finally
        {
            foreach (var k in keys)
            {
                k.Dispose();
            }

            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    private void RunCore(IReadOnlyList<OrtTensor> inputs, nint[] outputValues, IReadOnlyList<OrtTensor>? preallocated)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != _inputNames.Length)
        {
            throw new ArgumentException($"the model has {_inputNames.Length} inputs but {inputs.Count} tensors were given", nameof(inputs));
        }

        // Hold a reference on every handle for the duration of the native call, so a concurrent
        // Dispose cannot free an OrtValue that ORT is reading or writing.
        var leased = new List<SafeHandle>(inputs.Count + outputValues.Length + 1);
        try
        {
            Lease(_handle, leased);
            nint* inNames = stackalloc nint[_inputNames.Length];
            nint* inValues = stackalloc nint[_inputNames.Length];
            nint* outNames = stackalloc nint[_outputNames.Length];
            for (int i = 0; i < _inputNames.Length; i++)
            {
                inNames[i] = (nint)_inputNames[i].Pointer;
                inValues[i] = Lease(inputs[i].Handle, leased);
            }

            for (int i = 0; i < _outputNames.Length; i++)
            {
                outNames[i] = (nint)_outputNames[i].Pointer;
                outputValues[i] = preallocated is null ? nint.Zero : Lease(preallocated[i].Handle, leased);
            }

            fixed (nint* outValues = outputValues)
            {
                OrtStatus.VerifySuccess(OrtLibrary.Api.Run(
                    _handle.DangerousGetHandle(), nint.Zero, inNames, inValues, (nuint)_inputNames.Length, outNames, (nuint)_outputNames.Length, outValues));
            }
        }
        finally
        {
            foreach (var handle in leased)
            {
                handle.DangerousRelease();
            }
        }
    }

    internal static nint Lease(SafeHandle handle, List<SafeHandle> leased)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        leased.Add(handle);
        return handle.DangerousGetHandle();
    }

    private NodeMetadata[] ReadNodes(bool input)
    {
        var api = OrtLibrary.Api;
        nint session = _handle.DangerousGetHandle();
        nuint count;
        OrtStatus.VerifySuccess(input ? api.SessionGetInputCount(session, &count) : api.SessionGetOutputCount(session, &count));
        var nodes = new NodeMetadata[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* name;
            OrtStatus.VerifySuccess(input
                ? api.SessionGetInputName(session, i, OrtLibrary.DefaultAllocator, &name)
                : api.SessionGetOutputName(session, i, OrtLibrary.DefaultAllocator, &name));
            string nodeName = OrtLibrary.TakeString(name);
            nint typeInfo;
            OrtStatus.VerifySuccess(input
                ? api.SessionGetInputTypeInfo(session, i, &typeInfo)
                : api.SessionGetOutputTypeInfo(session, i, &typeInfo));
            using var typeHandle = new OrtTypeInfoHandle();
            Marshal.InitHandle(typeHandle, typeInfo);
            int onnxType;
            OrtStatus.VerifySuccess(api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
            if (onnxType != 1 /* ONNX_TYPE_TENSOR */)
            {
                nodes[(int)i] = new NodeMetadata(nodeName, TensorElementType.Undefined, [], []);
                continue;
            }

            nint tensorInfo; // owned by typeInfo: not released separately
            OrtStatus.VerifySuccess(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            var (type, shape, symbolic) = OrtTensor.ReadTypeAndShape(tensorInfo, symbolic: true);
            nodes[(int)i] = new NodeMetadata(nodeName, type, shape, symbolic);
        }

        return nodes;
    }

    private ModelMetadata ReadMetadata()
    {
        var api = OrtLibrary.Api;
        nint raw;
        OrtStatus.VerifySuccess(api.SessionGetModelMetadata(_handle.DangerousGetHandle(), &raw));
        using var handle = new OrtModelMetadataHandle();
        Marshal.InitHandle(handle, raw);
        nint allocator = OrtLibrary.DefaultAllocator;

        static string Read(delegate* unmanaged<nint, nint, byte**, nint> getter, nint metadata, nint allocator)
        {
            byte* value;
            OrtStatus.VerifySuccess(getter(metadata, allocator, &value));
            return OrtLibrary.TakeString(value);
        }

        long version;
        OrtStatus.VerifySuccess(api.ModelMetadataGetVersion(raw, &version));
        byte** keys;
        long keyCount;
        OrtStatus.VerifySuccess(api.ModelMetadataGetCustomMetadataMapKeys(raw, allocator, &keys, &keyCount));
        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            for (long i = 0; i < keyCount; i++)
            {
                byte* value;
                OrtStatus.VerifySuccess(api.ModelMetadataLookupCustomMetadataMap(raw, allocator, keys[i], &value));
                string key = Marshal.PtrToStringUTF8((nint)keys[i]) ?? string.Empty;
                custom[key] = OrtLibrary.TakeString(value);
            }
        }
        finally
        {
            for (long i = 0; i < keyCount; i++)
            {
                OrtStatus.VerifySuccess(api.AllocatorFree(allocator, keys[i]));
            }

            if (keys != null)
            {
                OrtStatus.VerifySuccess(api.AllocatorFree(allocator, keys));
            }
        }

        return new ModelMetadata(
            Read(api.ModelMetadataGetProducerName, raw, allocator),
            Read(api.ModelMetadataGetGraphName, raw, allocator),
            Read(api.ModelMetadataGetDomain, raw, allocator),
            Read(api.ModelMetadataGetDescription, raw, allocator),
            version,
            custom);
    }
}
