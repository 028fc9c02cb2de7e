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
public sealed class PipelineRunner(PipelineOptions options, ILoggerFactory loggerFactory, IReadOnlyList<IFrameSink>? extraSinks = null, CollectorRegistry? registry = null)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("pipeline");

    /// <summary>The run's streams, available from the start of <see cref="RunAsync"/> (for status endpoints).</summary>
    public IReadOnlyList<StreamState> Streams { get; private set; } = [];

    /// <summary>The run's metrics, available once the stages are running (the bench reads its stage times here).</summary>
    public PipelineMetrics? Metrics { get; private set; }

    /// <summary>True once the model is loaded and the stages are running.</summary>
    public bool IsReady { get; private set; }

    public async Task<PipelineSummary> RunAsync(CancellationToken cancellation)
    {
        options.Validate(extraSinks?.Count ?? 0);
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

        using var model = MultiTaskModel.Load(
            options.ModelPath,
            options.CreateSessionOptions(threads),
            _logger);
        // In flight between preprocess and the batcher: the batch being gathered and the ready queue behind
        // it (MaxBatch each), plus per source one slot being filled and one waiting to be written.
        var slots = new TensorSlotPool(model.Letterbox.TensorLength, preallocate: (2 * options.MaxBatch) + (2 * options.Sources.Count));
        using var pool = new FramePacketPool(Math.Max(1, model.Description.Keypoints), slots);

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

        var streams = options.Sources
            .Select((s, i) => new StreamState(i, s.Name, s.Source.DisplayName, s.Source.IsLive || options.Realtime))
            .ToList();
        Streams = streams;

        // Capture stops on cancellation; everything downstream keeps draining until its input completes.
        var clock = Stopwatch.StartNew();
        // One batch ready ahead of inference is enough to keep it busy; more would only hold tensor slots.
        // Many preprocess writers, one reader: the inference worker (a single reader waits without allocating).
        var ready = Channel.CreateBounded<FramePacket>(new BoundedChannelOptions(options.MaxBatch) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var decoded = Channel.CreateBounded<FramePacket>(new BoundedChannelOptions(options.MaxBatch * 2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var sinkChannels = sinks.Select(_ => Channel.CreateBounded<FramePacket>(
            new BoundedChannelOptions(options.SinkQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true })).ToList();

        var sourceChannels = new List<(string Queue, ChannelReader<FramePacket> Reader)>();
        var metrics = new PipelineMetrics(registry ?? Prometheus.Metrics.NewCustomRegistry(), streams, () =>
            sourceChannels.Select(c => (c.Queue, c.Reader.Count))
                .Append(("ready", ready.Reader.Count))
                .Append(("decoded", decoded.Reader.Count))
                .Concat(sinkChannels.Select((c, i) => ($"sink_{sinks[i].Name}", c.Reader.Count))));
        Metrics = metrics;
        var captureTasks = new List<Task>();
        var preprocessTasks = new List<Task>();
        for (int i = 0; i < streams.Count; i++)
        {
            var stream = streams[i];
            var perSource = stream.IsLive
                ? Channel.CreateBounded<FramePacket>(
                    new BoundedChannelOptions(options.LiveQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                    dropped =>
                    {
                        // Newest frame wins: the displaced one goes straight back to the pool.
                        dropped.Stream.CountDropped();
                        metrics.Dropped(dropped.Stream, "capture", "queue_full");
                        pool.Return(dropped);
                    })
                : Channel.CreateBounded<FramePacket>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
            sourceChannels.Add(($"source_{stream.Name}", perSource.Reader));
            captureTasks.Add(new CaptureWorker(options.Sources[i], stream, options, pool, perSource.Writer, metrics, _logger).Start(cancellation));
            preprocessTasks.Add(new PreprocessWorker(perSource.Reader, ready.Writer, model.Letterbox, slots, stream, pool, metrics).RunAsync(CancellationToken.None));
        }

        using var inference = new InferenceWorker(model, options, slots, ready.Reader, decoded.Writer, metrics, _logger);
        var annotator = sinks.Any(s => s.NeedsPixels) ? AnnotatorChain.Default() : null;
        var postprocess = new PostprocessWorker(
            model, model.CreateDecoder(options.Decoder), annotator, decoded.Reader, sinks.Select((s, i) => (s.Name, sinkChannels[i].Writer)).ToList(), pool, metrics);
        var sinkTasks = sinks.Select((sink, i) => Task.Run(() => RunSinkAsync(sink, sinkChannels[i].Reader, pool, metrics), CancellationToken.None)).ToList();

        var inferenceTask = Task.Run(() => inference.RunAsync(CancellationToken.None), CancellationToken.None);
        IsReady = true;
        var postprocessTask = Task.Run(() => postprocess.RunAsync(CancellationToken.None), CancellationToken.None);

        await CompleteAfter(preprocessTasks, ready.Writer).ConfigureAwait(false);
        await CompleteAfter([inferenceTask], decoded.Writer).ConfigureAwait(false);
        try
        {
            await postprocessTask.ConfigureAwait(false);
        }
        finally
        {
            foreach (var channel in sinkChannels)
            {
                channel.Writer.TryComplete();
            }

            await Task.WhenAll(sinkTasks).ConfigureAwait(false);
            await Task.WhenAll(captureTasks).ConfigureAwait(false);
        }

        IsReady = false;
        return new PipelineSummary(streams, inference.BatchSizes, clock.Elapsed, cancellation.IsCancellationRequested, pool.Created);
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

    private async Task RunSinkAsync(IFrameSink sink, ChannelReader<FramePacket> input, FramePacketPool pool, PipelineMetrics metrics)
    {
        // Streams whose output of this sink failed: only those stop, the sink goes on for the others.
        var failed = new HashSet<StreamState>();
        try
        {
            await foreach (var packet in input.ReadAllAsync().ConfigureAwait(false))
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
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Vision.VisionException)
                {
                    // Reported once per sink and stream, counted, and that output closed with what it holds.
                    failed.Add(packet.Stream);
                    metrics.SinkFailed(sink.Name, packet.Stream);
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
        finally
        {
            try
            {
                sink.Complete();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Vision.VisionException)
            {
                _logger.LogError("{Sink} output could not be closed cleanly: {Message}", sink.Name, e.Message);
            }
        }
    }
}
