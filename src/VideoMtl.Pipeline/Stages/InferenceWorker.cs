using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VideoMtl.Core.Model;
using Microsoft.ML.OnnxRuntime;
using VideoMtl.Inference;
using VideoMtl.Pipeline.Metrics;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// The one inference worker: asks the batcher for the next batch only when it is free (pull: the frames it gets
/// are the newest there are, see <see cref="FrameBatcher"/>), runs the batch in one call and hands each frame
/// on with a reference to the shared outputs.
/// The call goes through an <see cref="OrtIoBinding"/> with outputs bound to host memory, the path a GPU
/// provider needs, and one <see cref="RunOptions"/> for the worker's whole life.
/// The batch input is one tensor per batch size, made once: over a pinned managed array on the CPU, or in
/// page-locked host memory from the session's allocator when CUDA/TensorRT runs it (copied to the GPU by
/// DMA); if that memory cannot be had, the managed buffer is used and the reason logged once.
/// </summary>
internal sealed class InferenceWorker(
    MultiTaskModel model, PipelineOptions options, TensorSlotPool slots, FramePacketPool pool, FrameBatcher batcher, ChannelWriter<FramePacket> output, PipelineMetrics metrics, ILogger logger) : IDisposable
{
    private readonly List<FramePacket> _batch = new(options.MaxBatch);
    private readonly OrtValue?[] _inputs = new OrtValue?[options.MaxBatch + 1];
    // Per task gate: the batch rows that want the task, and a value over the first k of them for each k.
    private readonly long[]?[] _rowBuffers = new long[]?[model.Gates.Count];
    private readonly OrtValue?[,] _rowValues = new OrtValue?[model.Gates.Count, options.MaxBatch + 1];
    private readonly string[] _gateTaskNames = [.. model.Gates.Select(g => Core.Model.TaskNames.Format(g.Task))];
    // The parts without a gate run for every frame: detection, and any task of the model that has no gate.
    private readonly string[] _ungatedTasks = [Core.Model.TaskNames.Format(Core.Model.ModelTasks.Detect), .. Core.Model.TaskGate.Known
        .Where(k => model.Description.Tasks.HasFlag(k.Task) && !model.Gates.Any(g => g.Task == k.Task)).Select(k => Core.Model.TaskNames.Format(k.Task))];
    // Per gate: frames offered for auto selection in the current batch, and when each auto stream was last listed.
    private readonly long[]?[] _autoBuffers = new long[]?[model.Gates.Count];
    private readonly OrtValue?[,] _autoValues = new OrtValue?[model.Gates.Count, options.MaxBatch + 1];
    private readonly int[] _offeredCounts = new int[model.Gates.Count];
    private readonly Dictionary<StreamState, long>?[] _lastListed = new Dictionary<StreamState, long>?[model.Gates.Count];
    private OrtValue? _threshold;
    // A failed run surfaces as an exception with ONNX Runtime's message (reported once by the supervision);
    // its own log line for the same failure, e.g. "Exiting due to terminate flag" after an abort, would be noise.
    private readonly RunOptions _runOptions = new() { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
    private OrtIoBinding? _binding;
    private PinnedHostMemory? _pinned;
    private float[]? _input; // the managed batch buffer, only when there is no pinned memory

    private Action? _outputsDisposed; // made once, at the first batch
    private int _outputsAlive;

    /// <summary>Batch outputs not yet disposed (some frame of the batch still holds them): 0 after a run.</summary>
    public int OutputsAlive => Volatile.Read(ref _outputsAlive);

    /// <summary>How many batches of each size ran (index = size).</summary>
    public long[] BatchSizes { get; } = new long[options.MaxBatch + 1];

    public async Task RunAsync(CancellationToken cancellation)
    {
        if (model.Session.ExecutionProviders[0] != "CPUExecutionProvider")
        {
            _pinned = PinnedHostMemory.TryCreate(model.Session, out string? reason);
            if (reason is not null)
            {
                logger.LogWarning("inference: {Reason}; batch inputs stay in managed memory", reason);
            }
        }

        int handedOn = 0;
        // An abort (a fault elsewhere, or a stop's drain deadline) must not wait for a long batch (seconds on a
        // CPU, more while a GPU engine warms up): ONNX Runtime ends the running call at its next kernel.
        using var terminate = cancellation.Register(static o => ((RunOptions)o!).Terminate = true, _runOptions);
        try
        {
            while (true)
            {
                handedOn = 0;
                if (!await batcher.NextAsync(_batch, cancellation).ConfigureAwait(false))
                {
                    break; // every stream has ended and nothing is left
                }

                if (options.FaultInjection is { } inject)
                {
                    // A batch runs as one call, so a fault meant for any of its frames fails the whole batch.
                    foreach (var packet in _batch)
                    {
                        inject("inference", packet);
                    }
                }

                Run();
                for (; handedOn < _batch.Count; handedOn++)
                {
                    await output.WriteAsync(_batch[handedOn], cancellation).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            // A failed run (out of GPU memory, a broken model) or an abort: the frames of the batch not handed
            // on yet go back to the pool with their tensor slots and their share of the outputs.
            for (int i = handedOn; i < _batch.Count; i++)
            {
                pool.Return(_batch[i]);
            }

            _batch.Clear();
            throw;
        }
    }

    public void Dispose()
    {
        _binding?.Dispose();
        _runOptions.Dispose();
        foreach (var tensor in _inputs)
        {
            tensor?.Dispose();
        }

        foreach (var rows in _rowValues)
        {
            rows?.Dispose();
        }

        foreach (var rows in _autoValues)
        {
            rows?.Dispose();
        }

        _threshold?.Dispose();

        _pinned?.Dispose(); // after the tensors it allocated
    }

    /// <summary>The input tensor for a batch of <paramref name="count"/> (fill it through its mutable span).</summary>
    private OrtValue InputFor(int count)
    {
        long[] shape = [count, 3, model.Description.InputHeight, model.Description.InputWidth];
        // Over the managed buffer the value pins it for its own lifetime: one value per batch size, made once.
        return _inputs[count] ??= _pinned is not null
            ? _pinned.Allocate(shape)
            : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, (_input ??= new float[options.MaxBatch * slots.Length]).AsMemory(0, count * slots.Length), shape);
    }

    /// <summary>
    /// The binding with every output re-bound to host memory before each run. Re-binding matters: after a
    /// run the binding holds that run's output values and would write the next run into them, while the
    /// previous batch's frames may still be decoding them (and a smaller last batch would not fit).
    /// </summary>
    private OrtIoBinding Binding()
    {
        _binding ??= model.Session.Ort.CreateIoBinding();
        _binding.ClearBoundOutputs();
        foreach (var output in model.Session.Outputs.Concat(model.Session.RowOutputs))
        {
            _binding.BindOutputToDevice(output.Name, OrtMemoryInfo.DefaultInstance);
        }

        return _binding;
    }

    /// <summary>
    /// A gated part of the model runs only for the frames of the batch whose stream asks for its task: its rows
    /// input lists them (none: the part is skipped). A stream in auto mode offers its frames instead, and the model
    /// computes the part only for those whose detections qualify (a person for pose, any object for masks), except
    /// one frame per keep-alive period, which is listed. A batch of detect streams skips the pose network and the
    /// mask prototypes; a mixed batch runs them for its other frames only.
    /// </summary>
    private void BindGates(OrtIoBinding binding)
    {
        int count = _batch.Count;
        long now = Stopwatch.GetTimestamp();
        for (int g = 0; g < model.Gates.Count; g++)
        {
            var gate = model.Gates[g];
            var rows = _rowBuffers[g] ??= new long[options.MaxBatch];
            var offered = _autoBuffers[g] ??= new long[options.MaxBatch];
            int k = 0, a = 0;
            for (int i = 0; i < count; i++)
            {
                var stream = _batch[i].Stream;
                if (!stream.Tasks.HasFlag(gate.Task))
                {
                    continue;
                }

                if (gate.AutoRowsInput is not null && stream.Tasks.HasFlag(Core.Model.ModelTasks.Auto) && !KeepAliveDue(g, stream, now))
                {
                    offered[a++] = i;
                }
                else
                {
                    rows[k++] = i;
                }
            }

            // Over the worker's own buffers, one value per row count, made once (the rows are rewritten per batch).
            binding.BindInput(gate.RowsInput, _rowValues[g, k] ??= OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows.AsMemory(0, k), [k]));
            if (gate.AutoRowsInput is { } autoInput)
            {
                binding.BindInput(autoInput, _autoValues[g, a] ??= OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, offered.AsMemory(0, a), [a]));
            }

            _offeredCounts[g] = a;
        }

        if (model.AutoThreshold is { } threshold)
        {
            binding.BindInput(threshold, _threshold ??= OrtValue.CreateTensorValueFromMemory(new[] { options.Decoder.Confidence }, []));
        }
    }

    /// <summary>A stream in auto mode gets the part for one frame per keep-alive period whatever it shows: a detector's miss is not for ever.</summary>
    private bool KeepAliveDue(int gate, StreamState stream, long now)
    {
        if (options.GateKeepAlive <= TimeSpan.Zero)
        {
            return false;
        }

        var last = _lastListed[gate] ??= [];
        if (last.TryGetValue(stream, out long at) && Stopwatch.GetElapsedTime(at, now) < options.GateKeepAlive)
        {
            return false;
        }

        last[stream] = now;
        return true;
    }

    /// <summary>
    /// After the run: each frame's row in the gated outputs, from the rows the model says it computed (the listed
    /// ones, then the auto ones that qualified), and the head counters.
    /// </summary>
    private void PlaceFrames(IReadOnlyList<OrtValue> outputs)
    {
        int count = _batch.Count;
        foreach (string always in _ungatedTasks)
        {
            metrics.HeadRan(always);
        }

        for (int i = 0; i < count; i++)
        {
            _batch[i].Place = Core.Model.BatchPlace.Whole(i, count);
        }

        for (int g = 0; g < model.Gates.Count; g++)
        {
            var gate = model.Gates[g];
            var used = outputs[gate.UsedOutput].GetTensorDataAsSpan<long>();
            for (int i = 0; i < count; i++)
            {
                int row = used.IndexOf(i);
                var place = _batch[i].Place;
                _batch[i].Place = gate.Task == Core.Model.ModelTasks.Segment
                    ? place with { SegmentRow = row, SegmentRows = used.Length }
                    : place with { PoseRow = row, PoseRows = used.Length };
            }

            if (used.Length > 0)
            {
                metrics.HeadRan(_gateTaskNames[g]);
            }
            else
            {
                metrics.HeadSkipped(_gateTaskNames[g], _offeredCounts[g] > 0 ? (gate.Task == Core.Model.ModelTasks.Pose ? "no_person" : "no_objects") : "not_asked");
            }
        }
    }

    private void Run()
    {
        long started = Stopwatch.GetTimestamp();
        int count = _batch.Count;
        int length = slots.Length;
        var tensor = InputFor(count);
        var data = tensor.GetTensorMutableDataAsSpan<float>();
        for (int i = 0; i < count; i++)
        {
            var packet = _batch[i];
            packet.Tensor.AsSpan().CopyTo(data.Slice(i * length, length));
            slots.Return(packet.Tensor!);
            packet.Tensor = null;
        }

        var binding = Binding();
        binding.BindInput(model.Session.Inputs[0].Name, tensor);
        BindGates(binding);
        model.Session.Ort.RunWithBinding(_runOptions, binding);
        Interlocked.Increment(ref _outputsAlive);
        _outputsDisposed ??= () => Interlocked.Decrement(ref _outputsAlive);
        var outputs = new BatchOutputs(binding.GetOutputValues(), count, _outputsDisposed);
        PlaceFrames(outputs.Outputs);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        for (int i = 0; i < count; i++)
        {
            _batch[i].Batch = outputs;
            _batch[i].InferenceMs = elapsed;
        }

        BatchSizes[count]++;
        metrics.BatchRan(count, elapsed / 1000);
    }
}
