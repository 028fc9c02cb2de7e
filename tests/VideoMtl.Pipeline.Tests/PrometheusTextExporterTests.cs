using System.Diagnostics.Metrics;
using VideoMtl.Pipeline.Metrics;

namespace VideoMtl.Pipeline.Tests;

public sealed class PrometheusTextExporterTests
{
    [Fact]
    public void Renders_counters_histograms_and_gauges_in_text_format()
    {
        string meterName = "test." + Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusTextExporter(meterName, new Dictionary<string, double[]> { ["demo_size"] = [1, 2, 4] });
        using var meter = new Meter(meterName);
        var counter = meter.CreateCounter<long>("demo_frames", description: "Frames seen");
        var histogram = meter.CreateHistogram<int>("demo_size", description: "Sizes");
        meter.CreateObservableGauge("demo_depth", () => new Measurement<int>(7, new KeyValuePair<string, object?>("queue", "ready")), description: "Depth");
        counter.Add(2, new KeyValuePair<string, object?>("stream", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("stream", "a"));
        counter.Add(1, new KeyValuePair<string, object?>("stream", "b\"q\\x\ny"));
        histogram.Record(1);
        histogram.Record(3);
        histogram.Record(9);

        var lines = exporter.Scrape().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "# HELP demo_depth Depth",
                "# TYPE demo_depth gauge",
                "demo_depth{queue=\"ready\"} 7",
                "# HELP demo_frames_total Frames seen",
                "# TYPE demo_frames_total counter",
                "demo_frames_total{stream=\"a\"} 5",
                "demo_frames_total{stream=\"b\\\"q\\\\x\\ny\"} 1",
                "# HELP demo_size Sizes",
                "# TYPE demo_size histogram",
                "demo_size_bucket{le=\"1\"} 1",
                "demo_size_bucket{le=\"2\"} 1",
                "demo_size_bucket{le=\"4\"} 2",
                "demo_size_bucket{le=\"+Inf\"} 3",
                "demo_size_sum 13",
                "demo_size_count 3",
            ],
            lines);
    }

    [Fact]
    public void Labels_are_sorted_and_le_comes_last()
    {
        string meterName = "test." + Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusTextExporter(meterName);
        using var meter = new Meter(meterName);
        meter.CreateHistogram<double>("demo_seconds").Record(0.003, new KeyValuePair<string, object?>("stage", "x"), new KeyValuePair<string, object?>("a", "1"));
        string text = exporter.Scrape();
        Assert.Contains("demo_seconds_bucket{a=\"1\",stage=\"x\",le=\"0.0025\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("demo_seconds_bucket{a=\"1\",stage=\"x\",le=\"0.005\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("demo_seconds_count{a=\"1\",stage=\"x\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Observable_counters_show_their_current_total_not_a_sum_of_scrapes()
    {
        string meterName = "test." + Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusTextExporter(meterName);
        using var meter = new Meter(meterName);
        long total = 10;
        meter.CreateObservableCounter("demo_cpu_seconds", () => total);
        Assert.Contains("demo_cpu_seconds_total 10\n", exporter.Scrape(), StringComparison.Ordinal);
        total = 12;
        string text = exporter.Scrape();
        Assert.Contains("# TYPE demo_cpu_seconds_total counter", text, StringComparison.Ordinal);
        Assert.Contains("demo_cpu_seconds_total 12\n", text, StringComparison.Ordinal);
    }
}
