using System.Diagnostics;
using System.Diagnostics.Metrics;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Metrics;

/// <summary>
/// The pipeline's instruments (System.Diagnostics.Metrics), named as they appear in Prometheus. Labels are
/// bounded: stream names, stage and reason words, class names — never a URL, frame, track id or credential.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "VideoMtl.Pipeline";

    /// <summary>Bucket bounds for the batch-size histogram (the others use seconds-scale defaults).</summary>
    public static readonly IReadOnlyDictionary<string, double[]> Buckets = new Dictionary<string, double[]>
    {
        ["videomtl_inference_batch_size"] = [1, 2, 4, 8, 16, 32, 64],
    };

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _captured;
    private readonly Counter<long> _processed;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _objects;
    private readonly Counter<long> _sinkErrors;
    private readonly Counter<long> _reconnects;
    private readonly Histogram<double> _stageDuration;
    private readonly Histogram<double> _latency;
    private readonly Histogram<int> _batchSize;

    public PipelineMetrics(IReadOnlyList<StreamState> streams, Func<IEnumerable<(string Queue, int Depth)>> queues)
    {
        _captured = _meter.CreateCounter<long>("videomtl_frames_captured", description: "Frames read from each source");
        _processed = _meter.CreateCounter<long>("videomtl_frames_processed", description: "Frames decoded into results");
        _dropped = _meter.CreateCounter<long>("videomtl_frames_dropped", description: "Frames dropped, by stage and reason");
        _objects = _meter.CreateCounter<long>("videomtl_objects_detected", description: "Objects in results, by class");
        _sinkErrors = _meter.CreateCounter<long>("videomtl_sink_errors", description: "Outputs switched off after a write failed, by sink and stream");
        _reconnects = _meter.CreateCounter<long>("videomtl_stream_reconnects", description: "Times a live source was opened again after it went down");
        _stageDuration = _meter.CreateHistogram<double>("videomtl_stage_duration_seconds", "s", "Time per frame (per batch for inference) in each stage");
        _latency = _meter.CreateHistogram<double>("videomtl_end_to_end_latency_seconds", "s", "Capture to result, per frame");
        _batchSize = _meter.CreateHistogram<int>("videomtl_inference_batch_size", description: "Frames per inference call");
        _meter.CreateObservableGauge("videomtl_queue_depth", () => queues().Select(q => new Measurement<int>(q.Depth, new KeyValuePair<string, object?>("queue", q.Queue))), description: "Frames waiting in each queue");
        _meter.CreateObservableGauge("videomtl_stream_up", () => streams.Select(s => new Measurement<int>(s.Status == StreamStatus.Up ? 1 : 0, Stream(s))), description: "1 while a stream delivers frames; 0 while it is down, reconnecting, failed or has ended");
        _meter.CreateObservableGauge("videomtl_stream_status", () => streams.SelectMany(s => StatusNames.Select((name, i) => new Measurement<int>((int)s.Status == i ? 1 : 0, Stream(s), new KeyValuePair<string, object?>("status", name)))), description: "1 for the stream's current status (starting, up, down, completed, failed)");
        _meter.CreateObservableGauge("videomtl_stream_fps", () => streams.Select(s => new Measurement<double>(s.ProcessedFps, Stream(s))), description: "Frames processed per second, last few seconds");
        _meter.CreateObservableGauge("videomtl_build_info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", typeof(PipelineMetrics).Assembly.GetName().Version?.ToString() ?? "0"), new KeyValuePair<string, object?>("runtime", Environment.Version.ToString())), description: "Build facts, value 1");
        _meter.CreateObservableCounter("process_cpu_seconds", () => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, "s", "CPU time of the process");
        _meter.CreateObservableGauge("process_resident_memory_bytes", () => Environment.WorkingSet, "By", "Resident memory of the process");
        _meter.CreateObservableGauge("dotnet_gc_heap_bytes", () => GC.GetGCMemoryInfo().HeapSizeBytes, "By", "Managed heap size after the last collection");
        // Counters start at 0 for every known label set, so rate() and alerts work before the first event
        // (a series that appears only with its first drop is invisible to "is anything dropping?").
        foreach (var s in streams)
        {
            _captured.Add(0, Stream(s));
            _processed.Add(0, Stream(s));
            _reconnects.Add(0, Stream(s));
            foreach (var (stage, reason) in new[] { ("capture", "queue_full"), ("capture", "decode_error"), ("preprocess", "stale") })
            {
                _dropped.Add(0, Stream(s), new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));
            }
        }

        _meter.CreateObservableCounter("dotnet_gc_collections", () => Enumerable.Range(0, GC.MaxGeneration + 1).Select(g => new Measurement<long>(GC.CollectionCount(g), new KeyValuePair<string, object?>("generation", g))), description: "Garbage collections by generation");
    }

    private static readonly string[] StatusNames = Enum.GetNames<StreamStatus>().Select(n => n.ToLowerInvariant()).ToArray();

    public void Reconnected(StreamState stream) => _reconnects.Add(1, Stream(stream));

    public void SinkFailed(string sink, StreamState stream) => _sinkErrors.Add(1, Stream(stream), new KeyValuePair<string, object?>("sink", sink));

    public void Captured(StreamState stream) => _captured.Add(1, Stream(stream));

    public void Dropped(StreamState stream, string stage, string reason, long count = 1) =>
        _dropped.Add(count, Stream(stream), new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));

    public void BatchRan(int size, double seconds)
    {
        _batchSize.Record(size);
        _stageDuration.Record(seconds, Stage("inference"));
    }

    /// <summary>One frame through postprocess: its stage times, latency and objects.</summary>
    public void Processed(FramePacket packet, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(classNames);
        var stream = Stream(packet.Stream);
        _processed.Add(1, stream);
        _stageDuration.Record(packet.DecodeMs / 1000, Stage("decode"));
        _stageDuration.Record(packet.PreprocessMs / 1000, Stage("preprocess"));
        _stageDuration.Record(packet.PostprocessMs / 1000, Stage("postprocess"));
        if (packet.OverlayMs > 0)
        {
            _stageDuration.Record(packet.OverlayMs / 1000, Stage("overlay"));
        }

        _latency.Record(Stopwatch.GetElapsedTime(packet.CapturedAt).TotalSeconds, stream);
        var ids = packet.Detections.ClassIds;
        for (int i = 0; i < ids.Length; i++)
        {
            _objects.Add(1, stream, new KeyValuePair<string, object?>("class", (uint)ids[i] < (uint)classNames.Count ? classNames[ids[i]] : "other"));
        }
    }

    /// <summary>Time a sink spent encoding/writing one frame.</summary>
    public void Encoded(double seconds) => _stageDuration.Record(seconds, Stage("encode"));

    public void Dispose() => _meter.Dispose();

    private static KeyValuePair<string, object?> Stream(StreamState s) => new("stream", s.Name);

    private static KeyValuePair<string, object?> Stage(string stage) => new("stage", stage);
}
