using System.Diagnostics;
using Prometheus;
using VideoMtl.Pipeline.Metrics;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Tests.Metrics;

/// <summary>
/// The series as prometheus-net exposes them: names, types, labels and buckets that the dashboard, the alert
/// rules and the Prometheus tests rely on, and a per-frame path that allocates nothing.
/// </summary>
public sealed class PipelineMetricsTests
{
    private static readonly string[] ClassNames = ["person", "bicycle", "car"];

    private readonly StreamState _a = new(0, "a", "a.mp4", isLive: false);
    private readonly StreamState _b = new(1, "b", "rtsp://***@cam/1", isLive: true);

    [Fact]
    public void Counters_histograms_and_gauges_keep_their_names_types_labels_and_buckets()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        int depth = 3;
        var metrics = new PipelineMetrics(registry, [_a, _b], () => [("prepared_a", depth), ("source_a", 1)]);
        metrics.Captured(_a);
        metrics.Captured(_a);
        metrics.Dropped(_b, "capture", "stale", 5);
        metrics.Dropped(_b, "sink", "queue_full"); // a pair without a cached child still counts
        metrics.SinkFailed("ndjson", _a);
        metrics.BatchRan(1, 0.2);
        metrics.BatchRan(3, 0.4);
        metrics.BatchRan(9, 0.8);
        var packet = Packet(_a, classIds: [0, 0, 2, 57]);
        metrics.Processed(packet, ClassNames);
        metrics.Published(packet.Stream, Stopwatch.GetElapsedTime(packet.CapturedAt));
        _b.Status = StreamStatus.Up;

        var lines = registry.Scrape().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] expected =
        [
            "# TYPE videomtl_frames_captured_total counter",
            "videomtl_frames_captured_total{stream=\"a\"} 2",
            "videomtl_frames_captured_total{stream=\"b\"} 0", // every known stream from the start
            "videomtl_frames_processed_total{stream=\"a\"} 1",
            "videomtl_frames_dropped_total{reason=\"stale\",stage=\"capture\",stream=\"b\"} 5",
            "videomtl_frames_dropped_total{reason=\"stale\",stage=\"capture\",stream=\"a\"} 0",
            "videomtl_frames_dropped_total{reason=\"decode_error\",stage=\"capture\",stream=\"a\"} 0",
            "videomtl_frames_dropped_total{reason=\"queue_full\",stage=\"sink\",stream=\"b\"} 1",
            "videomtl_sink_errors_total{sink=\"ndjson\",stream=\"a\"} 1",
            "videomtl_stream_reconnects_total{stream=\"b\"} 0",
            "videomtl_objects_detected_total{class=\"person\",stream=\"a\"} 2",
            "videomtl_objects_detected_total{class=\"car\",stream=\"a\"} 1",
            "videomtl_objects_detected_total{class=\"other\",stream=\"a\"} 1",
            "# TYPE videomtl_inference_batch_size histogram",
            "videomtl_inference_batch_size_bucket{le=\"1\"} 1",
            "videomtl_inference_batch_size_bucket{le=\"2\"} 1",
            "videomtl_inference_batch_size_bucket{le=\"4\"} 2",
            "videomtl_inference_batch_size_bucket{le=\"64\"} 3",
            "videomtl_inference_batch_size_bucket{le=\"+Inf\"} 3",
            "videomtl_inference_batch_size_sum 13",
            "videomtl_inference_batch_size_count 3",
            "# TYPE videomtl_stage_duration_seconds histogram",
            "videomtl_stage_duration_seconds_bucket{stage=\"inference\",le=\"0.25\"} 1",
            "videomtl_stage_duration_seconds_count{stage=\"inference\"} 3",
            "videomtl_end_to_end_latency_seconds_count{stream=\"a\"} 1",
            "# TYPE videomtl_queue_depth gauge",
            "videomtl_queue_depth{queue=\"prepared_a\"} 3",
            "videomtl_queue_depth{queue=\"source_a\"} 1",
            "videomtl_stream_up{stream=\"a\"} 0",
            "videomtl_stream_up{stream=\"b\"} 1",
            "videomtl_stream_status{status=\"up\",stream=\"b\"} 1",
            "videomtl_stream_status{status=\"starting\",stream=\"a\"} 1",
            "# TYPE process_cpu_seconds_total counter",
            "# TYPE process_resident_memory_bytes gauge",
            "# TYPE dotnet_gc_heap_bytes gauge",
            "# TYPE dotnet_gc_collections_total counter",
            "# TYPE dotnet_collection_count_total counter",
        ];
        foreach (string line in expected)
        {
            Assert.Contains(line, lines);
        }

        Assert.Contains(lines, l => l.StartsWith("videomtl_build_info{runtime=", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("rtsp", StringComparison.Ordinal)); // a source never becomes a label

        // Gauges are read at each scrape.
        depth = 0;
        Assert.Contains("videomtl_queue_depth{queue=\"prepared_a\"} 0", registry.Scrape().Split('\n'));
    }

    [Fact]
    public void The_bench_reads_stage_and_batch_totals_back()
    {
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry(), [_a], () => []);
        metrics.BatchRan(4, 0.5);
        metrics.BatchRan(2, 0.25);
        metrics.Encoded(0.01);
        Assert.Equal((0.75, 2L), metrics.StageTotals("inference"));
        Assert.Equal((0.01, 1L), metrics.StageTotals("encode"));
        Assert.Equal((2L, 6.0), metrics.BatchTotals());
    }

    [Fact]
    public void Recording_a_frame_allocates_nothing_once_its_children_exist()
    {
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry(), [_a, _b], () => []);
        var packet = Packet(_b, classIds: [0, 1, 2, 0]);
        RecordFrame(); // first use: each class's child is created, the library publishes each child
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RecordFrame();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void RecordFrame()
        {
            metrics.Captured(_b);
            metrics.Dropped(_b, "capture", "stale");
            metrics.BatchRan(4, 0.1);
            metrics.HeadRan("detect");
            metrics.HeadSkipped("pose", "not_asked");
            metrics.Processed(packet, ClassNames);
            metrics.Published(packet.Stream, Stopwatch.GetElapsedTime(packet.CapturedAt));
            metrics.Encoded(0.005);
        }
    }

    private static FramePacket Packet(StreamState stream, int[] classIds)
    {
        var packet = new FramePacket(17) { Stream = stream, CapturedAt = Stopwatch.GetTimestamp(), DecodeMs = 1, PreprocessMs = 2, PostprocessMs = 3, OverlayMs = 1 };
        foreach (int id in classIds)
        {
            packet.Detections.Add(0, 0, 10, 10, id, 0.9f);
        }

        return packet;
    }
}
