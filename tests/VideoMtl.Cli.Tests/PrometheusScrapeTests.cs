using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// /metrics against the real tools: promtool's exposition-format checks, and a real Prometheus server
/// (Debian's, installed by setup) on loopback that scrapes a running pipeline and answers queries, including
/// every query of the shipped Grafana dashboard and alert rules.
/// </summary>
public sealed class PrometheusScrapeTests : IClassFixture<InferCommandTests.BuiltModel>
{
    /// <summary>The series the pipeline issue promises, as Prometheus names them.</summary>
    private static readonly string[] RequiredSeries =
    [
        "videomtl_frames_captured_total", "videomtl_frames_processed_total", "videomtl_frames_dropped_total",
        "videomtl_stage_duration_seconds_bucket", "videomtl_end_to_end_latency_seconds_bucket", "videomtl_inference_batch_size_bucket",
        "videomtl_queue_depth", "videomtl_stream_up", "videomtl_stream_fps", "videomtl_objects_detected_total", "videomtl_build_info",
        "process_cpu_seconds_total", "process_resident_memory_bytes", "dotnet_gc_heap_bytes", "dotnet_gc_collections_total",
        "videomtl_cluster_members", "videomtl_streams_owned", "videomtl_stream_handovers_total",
    ];

    private readonly InferCommandTests.BuiltModel _model;

    public PrometheusScrapeTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public async Task Promtool_accepts_the_metrics_and_a_real_Prometheus_scrapes_and_queries_them()
    {
        using var work = new TemporaryDirectory();
        await using var run = await RunningPipeline.StartAsync(
            "a", null, "run", "--source", "a=" + TestData.VtestAvi, "--source", "b=" + TestData.WalkingMp4, "--out", work.Path, "--model", _model.Path, "--no-video",
            "--cluster", "--cluster-port", LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture)); // a cluster of one: its metrics too
        string metrics = await run.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (string name in RequiredSeries)
        {
            Assert.Contains("\n" + name, "\n" + metrics, StringComparison.Ordinal);
        }

        var (check, checkOutput) = await Tool.RunAsync("promtool", ["check", "metrics"], metrics);
        Assert.True(check == 0 && checkOutput.Trim().Length == 0, $"promtool check metrics: exit {check}: {checkOutput}");

        // Prometheus with the shipped rules, scraping the run every second.
        int promPort = LoopbackPorts.Free();
        File.Copy(Path.Combine(TestData.RepositoryRoot, "config", "videomtl-alerts.yml"), Path.Combine(work.Path, "videomtl-alerts.yml"));
        string config = Path.Combine(work.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [videomtl-alerts.yml]
            scrape_configs:
              - job_name: videomtl
                static_configs:
                  - targets: ["127.0.0.1:{run.Port}"]
            """);
        var (rulesExit, rulesOutput) = await Tool.RunAsync("promtool", ["check", "config", config], null);
        Assert.True(rulesExit == 0, rulesOutput);

        using var prometheus = Tool.Start("prometheus",
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(work.Path, "tsdb")}", $"--web.listen-address=127.0.0.1:{promPort}", "--log.level=warn");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}"), Timeout = TimeSpan.FromSeconds(10) };
            // Enough scrapes for rate() over a few seconds and for batches > 1 to show in the histogram.
            double batches = await WaitForValueAsync(http, prometheus, "sum(videomtl_inference_batch_size_count)", v => v >= 5);
            Assert.True(batches >= 5);
            Assert.Equal(1, await WaitForValueAsync(http, prometheus, "up{job=\"videomtl\"}", v => v == 1));
            Assert.True(await WaitForValueAsync(http, prometheus, "sum(videomtl_frames_processed_total{stream=\"b\"})", v => v > 0) > 0);
            double meanBatch = await WaitForValueAsync(http, prometheus,
                "sum(videomtl_inference_batch_size_sum) / sum(videomtl_inference_batch_size_count)", v => v > 1);
            Assert.True(meanBatch > 1, $"two streams should fill batches > 1, mean {meanBatch}");

            using var names = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/label/__name__/values", UriKind.Relative)));
            var known = names.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()).ToHashSet();
            Assert.All(RequiredSeries, name => Assert.Contains(name, known));

            // Every query of the Grafana dashboard parses and evaluates against the real series.
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TestData.RepositoryRoot, "config", "grafana", "videomtl-dashboard.json")));
            var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
                .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
            Assert.True(expressions.Count >= 14);
            foreach (string expression in expressions)
            {
                // A wide window: scrapes run every second but a loaded machine may delay some.
                string query = expression.Replace("$__rate_interval", "1m", StringComparison.Ordinal)
                    .Replace("$stream", ".*", StringComparison.Ordinal).Replace("$job", ".*", StringComparison.Ordinal)
                    .Replace("$instance", ".*", StringComparison.Ordinal);
                int rows = 0;
                for (var deadline = DateTime.UtcNow.AddSeconds(30); rows == 0 && DateTime.UtcNow < deadline; await Task.Delay(rows == 0 ? 500 : 0))
                {
                    using var result = await QueryAsync(http, query);
                    Assert.True(result.RootElement.GetProperty("status").GetString() == "success", $"dashboard query failed: {query}");
                    rows = result.RootElement.GetProperty("data").GetProperty("result").GetArrayLength();
                }

                Assert.True(rows > 0, $"dashboard query has no data: {query}");
            }

            using var rules = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/rules", UriKind.Relative)));
            var health = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).Select(r => r.GetProperty("health").GetString()).ToList();
            Assert.Equal(4, health.Count);
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
        }
    }

    private static async Task<double> WaitForValueAsync(HttpClient http, Process prometheus, string query, Func<double, bool> condition)
    {
        double last = double.NaN;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            if (prometheus.HasExited)
            {
                // Its stderr is complete only now that it has exited.
                Assert.Fail("prometheus exited: " + await prometheus.StandardError.ReadToEndAsync());
            }
            try
            {
                using var result = await QueryAsync(http, query);
                var rows = result.RootElement.GetProperty("data").GetProperty("result");
                if (rows.GetArrayLength() > 0)
                {
                    last = double.Parse(rows[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                    if (condition(last))
                    {
                        return last;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting
            }
        }

        Assert.Fail($"Prometheus never answered {query} as expected (last value {last})");
        return last;
    }

    private static async Task<JsonDocument> QueryAsync(HttpClient http, string query) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative)));
}
