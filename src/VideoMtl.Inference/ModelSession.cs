using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.Inference;

/// <summary>
/// One loaded model: ONNX Runtime's <see cref="InferenceSession"/> (<see cref="Ort"/>, for callers that bind
/// and run it themselves) created on the requested device, with CPU as the fallback, plus what VideoMtl reads
/// from it: the inputs and outputs in order, the custom metadata and which providers really run it.
/// <c>Run</c> is thread-safe (ONNX Runtime's guarantee); the pipeline still uses one inference worker so that
/// batches, not threads, share the cores.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly RunOptions _runOptions = new();

    private ModelSession(InferenceSession session, string source, IReadOnlyList<string> providers, string? fallbackReason)
    {
        Ort = session;
        Source = source;
        ExecutionProviders = providers;
        ProviderFallbackReason = fallbackReason;
        Inputs = Nodes(session.InputNames, session.InputMetadata);
        var outputs = Nodes(session.OutputNames, session.OutputMetadata);
        // The gates' "which rows were computed" outputs are for the pipeline's placement only: a plain Run returns
        // the model's results, as it did before gates.
        RowOutputs = [.. outputs.Where(IsRowOutput)];
        Outputs = [.. outputs.Where(o => !IsRowOutput(o))];
        _inputNames = [.. Inputs.Select(n => n.Name)];
        _outputNames = [.. Outputs.Select(n => n.Name)];
        CustomMetadata = session.ModelMetadata.CustomMetadataMap;
    }

    /// <summary>ONNX Runtime's session.</summary>
    public InferenceSession Ort { get; }

    /// <summary>The model file path, or "(memory)" for a model given as bytes.</summary>
    public string Source { get; }

    public IReadOnlyList<ModelNode> Inputs { get; }

    public IReadOnlyList<ModelNode> Outputs { get; }

    /// <summary>The gates' outputs listing the rows each gated part computed (<c>TASK_rows_used</c>), after <see cref="Outputs"/> when bound.</summary>
    public IReadOnlyList<ModelNode> RowOutputs { get; }

    private static bool IsRowOutput(ModelNode output) =>
        output.ElementType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64 && TaskGateNames.IsUsed(output.Name);

    /// <summary>
    /// The model's task gates: int64 inputs after the image (e.g. <c>pose_rows</c>) listing the batch rows a task's
    /// part of the network runs for (none: skipped). A run given only the image runs every part for every row.
    /// </summary>
    public IReadOnlyList<ModelNode> Gates => [.. Inputs.Skip(1).Where(i => i.ElementType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64 && !TaskGateNames.IsAutoRows(i.Name))];

    /// <summary>Gates' auto inputs (<c>TASK_auto_rows</c>, and the shared <c>auto_threshold</c>), empty for a model without them.</summary>
    public IReadOnlyList<ModelNode> AutoInputs => [.. Inputs.Skip(1).Where(i => TaskGateNames.IsAutoRows(i.Name) || i.Name == TaskGateNames.AutoThreshold)];

    /// <summary>The model's metadata_props (VideoMtl's model contract, Ultralytics' export facts).</summary>
    public IReadOnlyDictionary<string, string> CustomMetadata { get; }

    /// <summary>Providers appended in priority order, e.g. CUDAExecutionProvider, CPUExecutionProvider.</summary>
    public IReadOnlyList<string> ExecutionProviders { get; }

    /// <summary>Why the requested GPU provider was not used (null when it was, or when CPU was asked for).</summary>
    public string? ProviderFallbackReason { get; }

    public static ModelSession Create(string modelPath, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new InferenceException($"model file not found: {modelPath}");
        }

        return CreateCore(o => new InferenceSession(modelPath, o), modelPath, options ?? new InferenceSessionOptions(), logger);
    }

    public static ModelSession Create(byte[] model, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return CreateCore(o => new InferenceSession(model, o), "(memory)", options ?? new InferenceSessionOptions(), logger);
    }

    /// <summary>Runs the model; inputs in <see cref="Inputs"/> order; returns every output, allocated by ONNX Runtime.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyList<OrtValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using var gates = new DefaultGates(this, inputs);
        return Ort.Run(_runOptions, _inputNames, gates.Inputs, _outputNames);
    }

    /// <summary>A rows input over <paramref name="rows"/> (copied).</summary>
    public static OrtValue Rows(ReadOnlySpan<long> rows) => OrtValue.CreateTensorValueFromMemory(rows.ToArray(), [rows.Length]);

    /// <summary>
    /// A task gate input's value that computes everything for a batch of <paramref name="batch"/> images: every row
    /// listed (<c>TASK_rows</c>), none offered for auto selection (<c>TASK_auto_rows</c>), a threshold of 1
    /// (<c>auto_threshold</c>); null for an input that is not a gate's.
    /// </summary>
    public static OrtValue? DefaultGateInput(string name, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType type, int rank, long batch) => type switch
    {
        Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64 when TaskGateNames.IsAutoRows(name) => Rows([]),
        Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64 => Rows([.. Enumerable.Range(0, (int)batch).Select(i => (long)i)]),
        Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float when rank == 0 => OrtValue.CreateTensorValueFromMemory(new float[] { 1 }, []),
        _ => null,
    };

    /// <summary>
    /// The inputs given, then for each task gate not given its default: every row listed (<c>TASK_rows</c>), no row
    /// offered for auto selection (<c>TASK_auto_rows</c>), a threshold of 1 (<c>auto_threshold</c>): everything computed
    /// for every image, as a model without gates would.
    /// </summary>
    private sealed class DefaultGates : IDisposable
    {
        private readonly List<OrtValue> _made = [];

        public DefaultGates(ModelSession session, IReadOnlyList<OrtValue> given)
        {
            Inputs = [.. given];
            if (given.Count >= session._inputNames.Length || given.Count == 0)
            {
                return;
            }

            long batch = given[0].GetTensorTypeAndShape().Shape[0];
            foreach (var input in session.Inputs.Skip(given.Count))
            {
                var value = DefaultGateInput(input.Name, input.ElementType, input.Shape.Count, batch)
                    ?? throw new ArgumentException($"the model has {session._inputNames.Length} inputs but {given.Count} values were given", nameof(given));
                _made.Add(value);
                Inputs.Add(value);
            }
        }

        public List<OrtValue> Inputs { get; }

        public void Dispose()
        {
            foreach (var value in _made)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Runs the model into pre-allocated outputs (in <see cref="Outputs"/> order): ONNX Runtime allocates none.</summary>
    public void Run(IReadOnlyList<OrtValue> inputs, IReadOnlyList<OrtValue> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count != _outputNames.Length)
        {
            throw new ArgumentException($"the model has {_outputNames.Length} outputs but {outputs.Count} values were given", nameof(outputs));
        }

        using var gates = new DefaultGates(this, inputs);
        Ort.Run(_runOptions, _inputNames, gates.Inputs, _outputNames, [.. outputs]);
    }

    public void Dispose()
    {
        Ort.Dispose();
        _runOptions.Dispose();
    }

    private static ModelSession CreateCore(Func<SessionOptions, InferenceSession> create, string source, InferenceSessionOptions options, ILogger? logger)
    {
        var provider = options.Provider;
        using var sessionOptions = options.ToSessionOptions();
        var (providers, fallback) = AppendProvider(sessionOptions, provider);
        if (fallback is not null)
        {
            Refuse(provider, fallback, logger);
        }

        if (providers[0] == "CPUExecutionProvider")
        {
            return new ModelSession(Load(create, sessionOptions, source), source, providers, fallback);
        }

        InferenceSession session;
        try
        {
            session = create(sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            // The provider was appended but could not start (no driver, no device, out of memory): same policy.
            // (A model that cannot load at all fails again on the CPU below, with its own message.)
            Refuse(provider, e.Message, logger);
            using var cpuOptions = options.ToSessionOptions();
            return new ModelSession(Load(create, cpuOptions, source), source, ["CPUExecutionProvider"], e.Message);
        }

        return new ModelSession(session, source, providers, fallback);
    }

    private static InferenceSession Load(Func<SessionOptions, InferenceSession> create, SessionOptions options, string source)
    {
        try
        {
            return create(options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InferenceException($"cannot load model {source}: {e.Message.TrimEnd('.', ' ')} (if it is not an ONNX model, or a damaged/truncated copy: export or download it again)", e);
        }
    }

    /// <summary>A GPU that cannot be used: an error for a strict device (<c>cuda!</c>), otherwise one warning.</summary>
    private static void Refuse(ExecutionProviderOptions provider, string reason, ILogger? logger)
    {
        string message = $"{(provider.Device == ExecutionDevice.Cuda ? "CUDA" : "TensorRT")} execution provider unavailable ({reason}); {GpuLibraries.Fix}";
        if (provider.Strict)
        {
            throw new InferenceException(message + "; or drop the '!' from the device to fall back to CPU");
        }

        logger?.LogWarning("{Message}; running on CPU instead", message);
    }

    /// <summary>Appends the requested GPU provider; returns the provider list and, when it cannot be used, why.</summary>
    private static (string[] Providers, string? Failure) AppendProvider(SessionOptions options, ExecutionProviderOptions provider)
    {
        if (provider.Device == ExecutionDevice.Cpu)
        {
            return (["CPUExecutionProvider"], null);
        }

        // Checked before ONNX Runtime tries: it would stop at the first missing library and say so only on stderr.
        var missing = GpuLibraries.Missing(provider.Device);
        if (missing.Count > 0)
        {
            return (["CPUExecutionProvider"], $"missing {string.Join(", ", missing)}");
        }

        string deviceId = provider.DeviceId.ToString(CultureInfo.InvariantCulture);
        try
        {
            if (provider.Device == ExecutionDevice.TensorRt)
            {
                var entries = new Dictionary<string, string>
                {
                    ["device_id"] = deviceId,
                    ["trt_fp16_enable"] = provider.TensorRtFp16 ? "1" : "0",
                };
                if (provider.TensorRtEngineCacheDirectory is { Length: > 0 } cache)
                {
                    Directory.CreateDirectory(cache);
                    entries["trt_engine_cache_enable"] = "1";
                    entries["trt_engine_cache_path"] = cache;
                }

                using var trt = new OrtTensorRTProviderOptions();
                trt.UpdateOptions(entries);
                options.AppendExecutionProvider_Tensorrt(trt);
            }

            // CUDA also behind TensorRT: nodes TensorRT rejects then run on the GPU rather than the CPU.
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = deviceId });
            options.AppendExecutionProvider_CUDA(cuda);
        }
        catch (OnnxRuntimeException e)
        {
            return (["CPUExecutionProvider"], e.Message);
        }

        return provider.Device == ExecutionDevice.TensorRt
            ? (["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"], null)
            : (["CUDAExecutionProvider", "CPUExecutionProvider"], null);
    }

    private static ModelNode[] Nodes(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        [.. names.Select(name =>
        {
            var node = metadata[name];
            return new ModelNode(name, node.IsTensor ? node.ElementDataType : default, [.. node.Dimensions.Select(d => (long)d)], node.SymbolicDimensions ?? []);
        })];
}
