using System.Diagnostics;
using System.Globalization;
using Prometheus;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Metrics;

/// <summary>
/// The pipeline's series in a prometheus-net registry, named as Prometheus shows them. Labels are bounded:
/// stream names, stage, sink, reason and status words, class names — never a URL, frame, track id or
/// credential. Every labelled child the per-frame path touches is looked up once (per stream, per stage,
/// per class on first sight) and kept, so recording a frame allocates nothing.
/// </summary>
public sealed class PipelineMetrics
{
    /// <summary>Bounds of the seconds-scale histograms (stage times, latency).</summary>
    public static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Bounds of the batch-size histogram.</summary>
    public static readonly double[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>The stages <c>videomtl_stage_duration_seconds</c> is labelled with.</summary>
    public static readonly IReadOnlyList<string> StageNames = ["decode", "preprocess", "inference", "postprocess", "track", "overlay", "encode"];

    /// <summary>The stages a fault is counted for (every one starts at 0, so an alert on it works from the start).</summary>
    public static readonly IReadOnlyList<string> FaultStages = ["capture", "preprocess", "inference", "postprocess", "sink"];

    private static readonly string[] StatusNames = Enum.GetNames<StreamStatus>().Select(n => n.ToLowerInvariant()).ToArray();

    private readonly IReadOnlyList<StreamState> _streams;
    private readonly PerStream[] _perStream;
    private readonly Counter _dropped;
    private readonly Counter _sinkErrors;
    private readonly Dictionary<string, Counter.Child> _stageFaults;
    private readonly Counter _objects;
    private readonly Histogram.Child[] _stageDuration;
    private readonly Histogram _batchSize;
    private readonly Counter _headRuns;
    private readonly Counter _headSkipped;
    // Children looked up once per label set (bounded: tasks × reasons), so recording a batch allocates nothing.
    // Written by the one inference worker only.
    private readonly Dictionary<string, Counter.Child> _headRunsBy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, Counter.Child>> _headSkippedBy = new(StringComparer.Ordinal); // task, then reason

    // Label names are declared in alphabetical order: the exposition then reads exactly as it did before
    // prometheus-net (the hand-written exporter sorted them), so recorded queries and greps keep working.

    /// <param name="registry">The run's registry (one per run: nothing is registered process-wide).</param>
    /// <param name="queues">Read at each scrape: the depth of every queue, by name.</param>
    public PipelineMetrics(CollectorRegistry registry, IReadOnlyList<StreamState> streams, Func<IEnumerable<(string Queue, int Depth)>> queues)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(queues);
        _streams = streams;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] stream = ["stream"];
        var captured = factory.CreateCounter("videomtl_frames_captured_total", "Frames read from each source", stream);
        var processed = factory.CreateCounter("videomtl_frames_processed_total", "Frames decoded into results", stream);
        var reconnects = factory.CreateCounter("videomtl_stream_reconnects_total", "Times a live source was opened again after it went down", stream);
        var tracksActive = factory.CreateGauge("videomtl_tracks_active", "Tracked objects with an id in the stream's latest frame", stream);
        var tracksStarted = factory.CreateCounter("videomtl_tracks_started_total", "Track ids given (objects followed long enough to be confirmed)", stream);
        var latency = factory.CreateHistogram("videomtl_end_to_end_latency_seconds", "Capture to result, per frame", stream, new HistogramConfiguration { Buckets = SecondsBuckets });
        _dropped = factory.CreateCounter("videomtl_frames_dropped_total", "Frames dropped, by stage and reason", ["reason", "stage", "stream"]);
        _objects = factory.CreateCounter("videomtl_objects_detected_total", "Objects in results, by class", ["class", "stream"]);
        _sinkErrors = factory.CreateCounter("videomtl_sink_errors_total", "Outputs switched off after a write failed, by sink and stream", ["sink", "stream"]);
        var faults = factory.CreateCounter("videomtl_stage_faults_total", "Unexpected failures of a stage or sink (isolated to a stream, or ending the run), by stage", ["stage"]);
        _stageFaults = FaultStages.ToDictionary(f => f, f => faults.WithLabels(f));
        var stages = factory.CreateHistogram("videomtl_stage_duration_seconds", "Time per frame (per batch for inference) in each stage", ["stage"], new HistogramConfiguration { Buckets = SecondsBuckets });
        _stageDuration = StageNames.Select(s => stages.WithLabels(s)).ToArray();
        _batchSize = factory.CreateHistogram("videomtl_inference_batch_size", "Frames per inference call", new HistogramConfiguration { Buckets = BatchSizeBuckets });
        _headRuns = factory.CreateCounter("videomtl_head_runs_total", "Inference calls (batches) that ran a task's part of the model, by task", ["task"]);
        _headSkipped = factory.CreateCounter("videomtl_head_skipped_total", "Inference calls (batches) that skipped a task's part of the model, by task and reason (not_asked: no frame of the batch asked for it)", ["reason", "task"]);
        foreach (string task in Core.Model.TaskNames.All)
        {
            _headRuns.WithLabels(task);
        }

        // Counters start at 0 for every known label set, so rate() and alerts work before the first event
        // (a series that appears only with its first drop is invisible to "is anything dropping?").
        _perStream = streams.Select(s => new PerStream(
            captured.WithLabels(s.Name), processed.WithLabels(s.Name), reconnects.WithLabels(s.Name), latency.WithLabels(s.Name),
            _dropped.WithLabels("stale", "capture", s.Name), _dropped.WithLabels("decode_error", "capture", s.Name),
            tracksActive.WithLabels(s.Name), tracksStarted.WithLabels(s.Name))).ToArray();

        // Read at scrape time: queue depths, stream status and rate, memory and collections.
        var queueDepth = factory.CreateGauge("videomtl_queue_depth", "Frames waiting in each queue", ["queue"]);
        var up = factory.CreateGauge("videomtl_stream_up", "1 while a stream delivers frames; 0 while it is down, reconnecting, failed or has ended", stream);
        var status = factory.CreateGauge("videomtl_stream_status", "1 for the stream's current status (starting, up, down, completed, failed)", ["status", "stream"]);
        var fps = factory.CreateGauge("videomtl_stream_fps", "Frames processed per second, last few seconds", stream);
        factory.CreateGauge("videomtl_build_info", "Build facts, value 1", ["runtime", "version"])
            .WithLabels(Environment.Version.ToString(), typeof(PipelineMetrics).Assembly.GetName().Version?.ToString() ?? "0").Set(1);
        // prometheus-net's own process series (process_cpu_seconds_total, process_working_set_bytes,
        // dotnet_collection_count_total, ...) come from DotNetStats; the three below keep the names the
        // dashboard and alerts have always used.
        DotNetStats.Register(registry);
        var resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory of the process");
        var heap = factory.CreateGauge("dotnet_gc_heap_bytes", "Managed heap size after the last collection");
        var collections = factory.CreateCounter("dotnet_gc_collections_total", "Garbage collections by generation", ["generation"]);
        var generations = Enumerable.Range(0, GC.MaxGeneration + 1).Select(g => collections.WithLabels(g.ToString(CultureInfo.InvariantCulture))).ToArray();
        registry.AddBeforeCollectCallback(() =>
        {
            foreach (var (queue, depth) in queues())
            {
                queueDepth.WithLabels(queue).Set(depth);
            }

            foreach (var s in _streams)
            {
                up.WithLabels(s.Name).Set(s.Status == StreamStatus.Up ? 1 : 0);
                for (int i = 0; i < StatusNames.Length; i++)
                {
                    status.WithLabels(StatusNames[i], s.Name).Set((int)s.Status == i ? 1 : 0);
                }

                fps.WithLabels(s.Name).Set(s.ProcessedFps);
            }

            resident.Set(Environment.WorkingSet);
            heap.Set(GC.GetGCMemoryInfo().HeapSizeBytes);
            for (int g = 0; g < generations.Length; g++)
            {
                generations[g].IncTo(GC.CollectionCount(g));
            }
        });
    }

    public void Reconnected(StreamState stream) => For(stream).Reconnects.Inc();

    /// <summary>An output switched off for one stream (rare: looked up on the spot).</summary>
    public void SinkFailed(string sink, StreamState stream) => _sinkErrors.WithLabels(sink, stream.Name).Inc();

    /// <summary>Counts an unexpected failure of <paramref name="stage"/>: one of <see cref="FaultStages"/>.</summary>
    public void StageFault(string stage) => _stageFaults[stage].Inc();

    public void Captured(StreamState stream) => For(stream).Captured.Inc();

    public void Dropped(StreamState stream, string stage, string reason, long count = 1)
    {
        var perStream = For(stream);
        var child = (stage, reason) switch
        {
            ("capture", "stale") => perStream.Stale,
            ("capture", "decode_error") => perStream.DecodeError,
            _ => _dropped.WithLabels(reason, stage, stream.Name),
        };
        child.Inc(count);
    }

    /// <summary>A task's part of the model ran for a batch (detection always does).</summary>
    public void HeadRan(string task)
    {
        if (!_headRunsBy.TryGetValue(task, out var child))
        {
            _headRunsBy[task] = child = _headRuns.WithLabels(task);
        }

        child.Inc();
    }

    /// <summary>A task's part of the model was skipped for a batch.</summary>
    public void HeadSkipped(string task, string reason)
    {
        if (!_headSkippedBy.TryGetValue(task, out var byReason))
        {
            _headSkippedBy[task] = byReason = new(StringComparer.Ordinal);
        }

        if (!byReason.TryGetValue(reason, out var child))
        {
            byReason[reason] = child = _headSkipped.WithLabels(reason, task);
        }

        child.Inc();
    }

    public void BatchRan(int size, double seconds)
    {
        _batchSize.Observe(size);
        _stageDuration[2].Observe(seconds);
    }

    /// <summary>One frame through postprocess: its stage times, latency and objects.</summary>
    public void Processed(FramePacket packet, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(classNames);
        var perStream = For(packet.Stream);
        perStream.Processed.Inc();
        _stageDuration[0].Observe(packet.DecodeMs / 1000);
        _stageDuration[1].Observe(packet.PreprocessMs / 1000);
        _stageDuration[3].Observe(packet.PostprocessMs / 1000);
        if (packet.TrackMs > 0)
        {
            _stageDuration[4].Observe(packet.TrackMs / 1000);
        }

        if (packet.OverlayMs > 0)
        {
            _stageDuration[5].Observe(packet.OverlayMs / 1000);
        }

        var ids = packet.Detections.ClassIds;
        for (int i = 0; i < ids.Length; i++)
        {
            perStream.Objects(_objects, packet.Stream.Name, ids[i], classNames).Inc();
        }
    }

    /// <summary>A frame's last sink has it: its end-to-end latency, from the arrival of its bytes to now.</summary>
    public void Published(StreamState stream, TimeSpan latency) => For(stream).Latency.Observe(latency.TotalSeconds);

    /// <summary>Time a sink spent encoding/writing one frame.</summary>
    public void Encoded(double seconds) => _stageDuration[6].Observe(seconds);

    /// <summary>A stream's tracker after a frame: the tracks in view, and the ids it has given so far (a running total).</summary>
    public void Tracked(StreamState stream, int active, long started)
    {
        var perStream = For(stream);
        perStream.TracksActive.Set(active);
        perStream.TracksStarted.IncTo(started);
    }

    /// <summary>Seconds and observations of one stage so far (<see cref="StageNames"/>), for the bench.</summary>
    public (double Seconds, long Count) StageTotals(string stage)
    {
        var child = _stageDuration[StageNames.ToList().IndexOf(stage)];
        return (child.Sum, child.Count);
    }

    /// <summary>Inference calls and the frames in them so far.</summary>
    public (long Batches, double Frames) BatchTotals() => (_batchSize.Count, _batchSize.Sum);

    private PerStream For(StreamState stream) => _perStream[stream.Index];

    /// <summary>The children one stream's frames touch, looked up once.</summary>
    private sealed class PerStream(
        Counter.Child captured, Counter.Child processed, Counter.Child reconnects, Histogram.Child latency, Counter.Child stale, Counter.Child decodeError,
        Gauge.Child tracksActive, Counter.Child tracksStarted)
    {
        private readonly Lock _gate = new();
        private Counter.Child?[] _objects = [];

        public Counter.Child Captured { get; } = captured;

        public Counter.Child Processed { get; } = processed;

        public Counter.Child Reconnects { get; } = reconnects;

        public Histogram.Child Latency { get; } = latency;

        public Counter.Child DecodeError { get; } = decodeError;

        public Counter.Child Stale { get; } = stale;

        public Gauge.Child TracksActive { get; } = tracksActive;

        public Counter.Child TracksStarted { get; } = tracksStarted;

        /// <summary>The objects counter of one class, created at its first sighting and kept.</summary>
        public Counter.Child Objects(Counter counter, string stream, int classId, IReadOnlyList<string> classNames)
        {
            int slot = (uint)classId < (uint)classNames.Count ? classId : classNames.Count; // the last slot: "other"
            var cached = Volatile.Read(ref _objects);
            if (slot < cached.Length && cached[slot] is { } child)
            {
                return child;
            }

            lock (_gate)
            {
                var grown = _objects.Length > slot ? (Counter.Child?[])_objects.Clone() : new Counter.Child?[classNames.Count + 1];
                Array.Copy(_objects, grown, _objects.Length);
                grown[slot] ??= counter.WithLabels(slot < classNames.Count ? classNames[slot] : "other", stream);
                Volatile.Write(ref _objects, grown);
                return grown[slot]!;
            }
        }
    }
}
