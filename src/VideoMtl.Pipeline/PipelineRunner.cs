using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Prometheus;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Model;
using VideoMtl.Inference;
using VideoMtl.Inference.Threading;
using VideoMtl.Pipeline.Metrics;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline;

/// <summary>
/// Wires the stages with bounded channels and runs them until every finite source is done and every
/// sink has flushed, or until cancellation: then capture stops, frames already in flight are drained
/// through every sink, and every file is closed properly.
/// </summary>
/// <param name="extraSinks">Sinks added after the built-in ones (preview, tests); the runner completes them.</param>
/// <param name="registry">Where the run's metrics go (served at /metrics by the host); a private one when null.</param>
/// <param name="sinkFactories">Sinks made once the model is loaded (they need its description, e.g. to write results); the runner completes them.</param>
public sealed class PipelineRunner(
    PipelineOptions options, ILoggerFactory loggerFactory, IReadOnlyList<IFrameSink>? extraSinks = null, CollectorRegistry? registry = null,
    IReadOnlyList<Func<Core.Model.ModelDescription, IFrameSink>>? sinkFactories = null)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("pipeline");
    private FramePacketPool? _pool;
    private TensorSlotPool? _slots;
    private InferenceWorker? _inference;

    /// <summary>The run's streams, available from the start of <see cref="RunAsync"/> (for status endpoints).</summary>
    public IReadOnlyList<StreamState> Streams { get; private set; } = [];

    /// <summary>The run's metrics, available once the stages are running (the bench reads its stage times here).</summary>
    public PipelineMetrics? Metrics { get; private set; }

    /// <summary>Frame packets rented and not returned: 0 after a run, however it ended (tests check this after faults).</summary>
    public int FramePacketsOutstanding => _pool?.Outstanding ?? 0;

    /// <summary>Tensor slots rented and not returned: 0 after a run, however it ended.</summary>
    public int TensorSlotsOutstanding => _slots?.Outstanding ?? 0;

    /// <summary>Batch outputs (ONNX Runtime values) not yet disposed: 0 after a run, however it ended.</summary>
    public int BatchOutputsAlive => _inference?.OutputsAlive ?? 0;

    /// <summary>
    /// Called with each frame when its last sink has it (on a sink's thread; keep it short): what the soak and
    /// the bench measure end-to-end latency from. Set before <see cref="RunAsync"/>.
    /// </summary>
    public Action<FramePacket>? FramePublished { get; init; }

    /// <summary>
    /// Raised when a stream's state changes (up, down, completed…), on the thread that changed it: handlers must be
    /// quick and must not throw (a live view wakes its clients with it).
    /// </summary>
    public event Action<StreamState>? StreamStatusChanged;

    /// <summary>True once the model is loaded and the stages are running.</summary>
    public bool IsReady { get; private set; }

    public async Task<PipelineSummary> RunAsync(CancellationToken cancellation)
    {
        options.Validate((extraSinks?.Count ?? 0) + (sinkFactories?.Count ?? 0));
        ReserveThreadPoolThreads(options.Sources.Count);
        Directory.CreateDirectory(options.OutputDirectory);
        var threads = options.ResolveThreads();
        if (threads.Warning is not null)
        {
            _logger.LogWarning("{Warning}", threads.Warning);
        }
        else
        {
            _logger.LogInformation("inference threads: {Threads} intra-op, {Reason}", threads.Threads, threads.Reason);
        }

        var streams = options.Sources
            .Select((s, i) => new StreamState(i, s.Name, s.Source.DisplayName, s.Source.IsLive || options.Realtime))
            .ToList();
        foreach (var stream in streams)
        {
            stream.StatusChanged += changed => StreamStatusChanged?.Invoke(changed);
        }

        Streams = streams;
        var clock = Stopwatch.StartNew();
        using var model = await LoadModelAsync(threads, cancellation).ConfigureAwait(false);
        if (model is null)
        {
            foreach (var stream in streams)
            {
                stream.Status = StreamStatus.Completed;
            }

            return new PipelineSummary(streams, [], clock.Elapsed, Cancelled: true, 0);
        }

        AssignTasks(streams, model.Description);

        // Tensor slots in flight: the batch being gathered, plus per file stream its prepared queue and the
        // frame its preprocess holds. Live frames take a slot only once the batcher has chosen them.
        int files = streams.Count(s => !s.IsLive);
        int preparedPerFile = PreparedQueueCapacity(options.MaxBatch, files);
        var slots = new TensorSlotPool(model.Letterbox.TensorLength, preallocate: options.MaxBatch + (files * (preparedPerFile + 1)));
        using var pool = new FramePacketPool(Math.Max(1, model.Description.Keypoints), slots);
        _pool = pool;
        _slots = slots;

        var sinks = new List<IFrameSink>();
        if (options.WriteNdjson)
        {
            sinks.Add(new NdjsonSink(options.OutputDirectory, model.Description));
        }

        if (options.WriteVideo)
        {
            sinks.Add(new VideoFileSink(options.OutputDirectory, _logger, options.VideoPreset));
        }

        sinks.AddRange(extraSinks ?? []);
        sinks.AddRange((sinkFactories ?? []).Select(make => make(model.Description)));
        foreach (var sink in sinks)
        {
            sink.Start(model.Description);
        }

        // Two ways to end. A stop (the caller's token) ends capture only: everything downstream drains what is
        // in flight through every sink. A fault that cannot be isolated to one stream (inference, postprocess)
        // aborts: every stage stops waiting at once, what is in flight goes back to the pool, the sinks close
        // their files with what they hold, and the run ends with that fault.
        using var abort = new CancellationTokenSource();
        using var captureStop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, abort.Token);
        // A stop drains, but not for ever: past the drain timeout the rest is aborted (no fault: what was written stays).
        var drainTimeout = options.DrainTimeout;
        using var drainDeadline = cancellation.Register(() => abort.CancelAfter(drainTimeout));

        var decoded = Channel.CreateBounded<FramePacket>(new BoundedChannelOptions(options.MaxBatch * 2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var sinkChannels = sinks.Select(_ => Channel.CreateBounded<FramePacket>(
            new BoundedChannelOptions(options.SinkQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true })).ToList();

        // Every queue a frame can wait in before inference: capture's (a live stream's mailbox of one), and a file's prepared frames.
        var sourceChannels = new List<(string Queue, ChannelReader<FramePacket> Reader)>();
        var metrics = new PipelineMetrics(registry ?? Prometheus.Metrics.NewCustomRegistry(), streams, () =>
            sourceChannels.Select(c => (c.Queue, c.Reader.Count))
                .Append(("decoded", decoded.Reader.Count))
                .Concat(sinkChannels.Select((c, i) => ($"sink_{sinks[i].Name}", c.Reader.Count))));
        Metrics = metrics;
        pool.Published = packet =>
        {
            // One clock read for both: the histogram Prometheus scrapes and the window the live view's p50/p99 come from.
            var latency = Stopwatch.GetElapsedTime(packet.CapturedAt);
            metrics.Published(packet.Stream, latency);
            packet.Stream.RecentLatency.Add(latency.TotalMilliseconds);
            FramePublished?.Invoke(packet);
        };
        var faults = new FaultLog(_logger, metrics);
        var captureTasks = new List<Task>();
        var preprocessTasks = new List<Task>();
        var streamStops = new List<CancellationTokenSource>();
        IReadOnlyList<long> batchSizes = [];
        try
        {
            var preparer = new FramePreparer(model.Letterbox, slots, options);
            var doorbell = new BatchDoorbell();
            var inputs = new List<BatcherInput>();
            for (int i = 0; i < streams.Count; i++)
            {
                var stream = streams[i];
                // Per stream, so a preprocess fault can stop this stream's capture and leave the others running.
                var streamStop = CancellationTokenSource.CreateLinkedTokenSource(captureStop.Token);
                streamStops.Add(streamStop);
                if (stream.IsLive)
                {
                    // The mailbox: the newest frame only. A frame replaced before the batcher took it was stale.
                    var mailbox = LiveMailbox.Create(dropped =>
                    {
                        dropped.Stream.CountDropped();
                        metrics.Dropped(dropped.Stream, "capture", "stale");
                        pool.Return(dropped);
                    });
                    sourceChannels.Add(($"source_{stream.Name}", mailbox.Reader));
                    inputs.Add(new BatcherInput(stream, mailbox.Reader));
                    captureTasks.Add(new CaptureWorker(options.Sources[i], stream, options, pool, new DoorbellWriter<FramePacket>(mailbox.Writer, doorbell), metrics, faults, _logger).Start(streamStop.Token));
                }
                else
                {
                    // A file waits rather than drops: capture → in-order preprocess → prepared frames the batcher takes in turn.
                    var captured = Channel.CreateBounded<FramePacket>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
                    var prepared = Channel.CreateBounded<FramePacket>(new BoundedChannelOptions(preparedPerFile) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
                    sourceChannels.Add(($"source_{stream.Name}", captured.Reader));
                    sourceChannels.Add(($"prepared_{stream.Name}", prepared.Reader));
                    inputs.Add(new BatcherInput(stream, prepared.Reader));
                    captureTasks.Add(new CaptureWorker(options.Sources[i], stream, options, pool, captured.Writer, metrics, faults, _logger).Start(streamStop.Token));
                    var preparedWriter = new DoorbellWriter<FramePacket>(prepared.Writer, doorbell);
                    preprocessTasks.Add(CompleteAfter(
                        [SupervisePreprocessAsync(new PreprocessWorker(captured.Reader, preparedWriter, preparer, pool), stream, captured.Reader, streamStop, pool, faults, abort.Token)],
                        preparedWriter));
                }
            }

            using var batcher = new FrameBatcher(
                inputs, doorbell, options.MaxBatch, options.MaxBatchWait, preparer.Prepare,
                (packet, error) =>
                {
                    // A live frame that could not be prepared: isolated to its stream like a file's preprocess fault.
                    var stream = packet.Stream;
                    pool.Return(packet);
                    faults.Isolated("preprocess", stream, error);
                    streamStops[stream.Index].Cancel();
                },
                pool.Return);
            using var inference = new InferenceWorker(model, options, slots, pool, batcher, decoded.Writer, metrics, _logger);
            batchSizes = inference.BatchSizes;
            _inference = inference;
            var annotator = sinks.Any(s => s.NeedsPixels) ? AnnotatorChain.Default() : null;
            var postprocess = new PostprocessWorker(
                model, model.CreateDecoder(options.Decoder), annotator, stream => WantsCleanPixels(sinks, stream), decoded.Reader, sinks.Select((s, i) => (s.Name, sinkChannels[i].Writer)).ToList(), pool, metrics, options);
            var sinkTasks = sinks.Select((sink, i) => Task.Run(() => RunSinkAsync(sink, sinkChannels[i].Reader, pool, metrics, abort.Token), CancellationToken.None)).ToList();

            var inferenceTask = Task.Run(() => SuperviseAsync("inference", () => inference.RunAsync(abort.Token), abort, faults), CancellationToken.None);
            IsReady = true;
            var postprocessTask = Task.Run(() => SuperviseAsync("postprocess", () => postprocess.RunAsync(abort.Token), abort, faults), CancellationToken.None);

            // Each stage completes the channel behind it when it ends, however it ends: nothing waits for good.
            await Task.WhenAll(preprocessTasks).ConfigureAwait(false);
            await CompleteAfter([inferenceTask], decoded.Writer).ConfigureAwait(false);
            await postprocessTask.ConfigureAwait(false);
            foreach (var channel in sinkChannels)
            {
                channel.Writer.TryComplete();
            }

            await Task.WhenAll(sinkTasks).ConfigureAwait(false);
            await Task.WhenAll(captureTasks).ConfigureAwait(false);
        }
        finally
        {
            IsReady = false;
            // After an abort, frames may still sit in the queues: back to the pool with them.
            ReturnQueued(decoded.Reader, pool);
            foreach (var channel in sinkChannels)
            {
                while (channel.Reader.TryRead(out var packet))
                {
                    pool.ReleaseSinkReference(packet, delivered: false);
                }
            }

            foreach (var (_, reader) in sourceChannels)
            {
                ReturnQueued(reader, pool);
            }

            foreach (var stop in streamStops)
            {
                stop.Dispose();
            }
        }

        if (faults.First is { } fault)
        {
            throw new PipelineFaultException(fault.Stage, fault.Message, fault.Error);
        }

        return new PipelineSummary(streams, batchSizes, clock.Elapsed, cancellation.IsCancellationRequested, pool.Created);
    }

    /// <summary>Gives each stream its task set (see <see cref="TaskSelection.Resolve"/>).</summary>
    private void AssignTasks(List<StreamState> streams, Core.Model.ModelDescription model)
    {
        for (int i = 0; i < streams.Count; i++)
        {
            streams[i].Tasks = TaskSelection.Resolve(streams[i].Name, options.Sources[i].Tasks, options.Tasks, model.Tasks, Path.GetFileName(options.ModelPath));
        }
    }

    /// <summary>
    /// Loads the model on a pool thread, so a stop during the load (seconds on a CPU, minutes for a TensorRT
    /// engine build) is answered within the drain timeout: the run returns a stopped summary, and a load that
    /// takes longer, which ONNX Runtime cannot interrupt, is left to finish in the background and its session
    /// disposed (or dies with the process).
    /// </summary>
    private async Task<MultiTaskModel?> LoadModelAsync(IntraOpThreadChoice threads, CancellationToken cancellation)
    {
        var loading = Task.Run(() => MultiTaskModel.Load(options.ModelPath, options.CreateSessionOptions(threads), _logger), CancellationToken.None);
        try
        {
            return await loading.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            _logger.LogWarning("stopped while the model was loading: nothing was processed");
            // ONNX Runtime cannot interrupt a load, and a process that exits while a load still runs on another
            // thread can crash in ONNX Runtime's teardown (seen: SIGSEGV in 2 of 6 stops). So the load is given
            // up to the drain timeout to finish (a CPU load takes about a second) and abandoned only beyond it
            // (a TensorRT engine build), where ending the process in seconds matters more.
            if (await Task.WhenAny(loading, Task.Delay(options.DrainTimeout, CancellationToken.None)).ConfigureAwait(false) == loading)
            {
                if (loading.IsCompletedSuccessfully)
                {
                    loading.Result.Dispose();
                }
            }
            else
            {
                _ = loading.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }

            return null;
        }
    }

    /// <summary>
    /// One stream's preprocess: a fault here is isolated to the stream. It is logged once and counted, the
    /// stream is failed, its capture stopped and its queue emptied back into the pool; the others go on.
    /// </summary>
    private async Task SupervisePreprocessAsync(
        PreprocessWorker worker, StreamState stream, ChannelReader<FramePacket> input, CancellationTokenSource streamStop,
        FramePacketPool pool, FaultLog faults, CancellationToken abort)
    {
        try
        {
            await worker.RunAsync(abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            faults.Isolated("preprocess", stream, e);
            await streamStop.CancelAsync().ConfigureAwait(false);
        }

        // Whatever capture still delivers until it sees the stop goes straight back (nothing else reads here now).
        await foreach (var packet in input.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            pool.Return(packet);
        }
    }

    /// <summary>A stage shared by every stream: a fault here cannot be isolated, so it is recorded and the run aborted.</summary>
    private static async Task SuperviseAsync(string stage, Func<Task> run, CancellationTokenSource abort, FaultLog faults)
    {
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (Exception) when (abort.IsCancellationRequested)
        {
            // Stopped by the abort (its cancellation, or ONNX Runtime's terminate flag): the cause, if it was a
            // fault, is already recorded.
        }
        catch (Exception e)
        {
            faults.Fatal(stage, e);
            await abort.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Prepared frames each file stream may queue for the batcher: together at least a batch (one file alone
    /// can fill every batch), and at least two per file so its preprocess keeps a frame ahead.
    /// </summary>
    internal static int PreparedQueueCapacity(int maxBatch, int files) => files == 0 ? 0 : Math.Max(2, (maxBatch + files - 1) / files);

    private static bool WantsCleanPixels(List<IFrameSink> sinks, StreamState stream)
    {
        foreach (var sink in sinks)
        {
            if (sink.WantsCleanPixels(stream))
            {
                return true;
            }
        }

        return false;
    }

    private static void ReturnQueued(ChannelReader<FramePacket> reader, FramePacketPool pool)
    {
        while (reader.TryRead(out var packet))
        {
            pool.Return(packet);
        }
    }

    /// <summary>
    /// Inference, decoding and sink writes block the pool threads they run on for up to a second. With the
    /// pool's default minimum (one thread per core: 2 here) that starves everything else in the process, such
    /// as HTTP requests and signal handlers, until the pool slowly injects threads; so the minimum is raised
    /// to cover every blocking worker with room to spare.
    /// </summary>
    private static void ReserveThreadPoolThreads(int sources)
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        int needed = (2 * sources) + 16;
        if (workers < needed)
        {
            ThreadPool.SetMinThreads(needed, io);
        }
    }

    private static async Task CompleteAfter(IReadOnlyList<Task> producers, ChannelWriter<FramePacket> writer)
    {
        try
        {
            await Task.WhenAll(producers).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
            throw;
        }
    }

    private async Task RunSinkAsync(IFrameSink sink, ChannelReader<FramePacket> input, FramePacketPool pool, PipelineMetrics metrics, CancellationToken abort)
    {
        // Streams whose output of this sink failed: only those stop, the sink goes on for the others.
        var failed = new HashSet<StreamState>();
        try
        {
            await foreach (var packet in input.ReadAllAsync(abort).ConfigureAwait(false))
            {
                try
                {
                    if (!failed.Contains(packet.Stream))
                    {
                        long started = Stopwatch.GetTimestamp();
                        if (sink.Write(packet))
                        {
                            metrics.Encoded(Stopwatch.GetElapsedTime(started).TotalSeconds);
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Reported once per sink and stream, counted, and that output closed with what it holds. An
                    // I/O error (disk full, encoder gone) is the expected kind; anything else is also a stage fault.
                    failed.Add(packet.Stream);
                    metrics.SinkFailed(sink.Name, packet.Stream);
                    if (e is not (IOException or UnauthorizedAccessException or Vision.VisionException))
                    {
                        metrics.StageFault("sink");
                    }

                    _logger.LogError("{Stream}: {Sink} output failed and is switched off for this stream (other outputs and streams go on): {Message}",
                        packet.Stream.Name, sink.Name, e.Message);
                    sink.Abandon(packet.Stream);
                }
                finally
                {
                    pool.ReleaseSinkReference(packet);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // The run was aborted by a fault elsewhere: close with what was written.
        }
        finally
        {
            try
            {
                sink.Complete();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError("{Sink} output could not be closed cleanly: {Message}", sink.Name, e.Message);
            }
        }
    }
}
