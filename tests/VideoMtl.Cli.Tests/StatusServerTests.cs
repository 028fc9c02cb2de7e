using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>The HTTP side of <c>videomtl run</c>, through a real HTTP client against the real process.</summary>
public sealed class StatusServerTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public StatusServerTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public async Task Serves_metrics_streams_and_health_while_running()
    {
        using var output = new TemporaryDirectory();
        int port = FreePort();
        using var process = CliProcess.Start(null, "run", "--source", "cam=" + TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--no-video", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            string metrics = string.Empty;
            for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && !process.HasExited; await Task.Delay(250))
            {
                try
                {
                    metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                    if (metrics.Contains("videomtl_frames_processed_total{stream=\"cam\"}", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
            }

            // Only read stderr (it ends when the process ends) once something has already gone wrong.
            if (process.HasExited || !metrics.Contains("videomtl_frames_processed_total{stream=\"cam\"}", StringComparison.Ordinal))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("no metrics while running; the run said: " + await stderr);
            }
            Assert.Contains("# TYPE videomtl_frames_processed_total counter", metrics, StringComparison.Ordinal);
            Assert.Contains("# TYPE videomtl_stage_duration_seconds histogram", metrics, StringComparison.Ordinal);
            Assert.Contains("videomtl_stream_up{stream=\"cam\"} 1", metrics, StringComparison.Ordinal);

            using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            Assert.Equal("ok\n", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
            using var streams = JsonDocument.Parse(await http.GetStringAsync(new Uri("/streams", UriKind.Relative)));
            var stream = Assert.Single(streams.RootElement.EnumerateArray().ToList());
            Assert.Equal("cam", stream.GetProperty("name").GetString());
            Assert.Equal("running", stream.GetProperty("state").GetString());
            Assert.Equal(768, stream.GetProperty("width").GetInt32());
            Assert.True(stream.GetProperty("processed").GetInt64() > 0);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/nothing", UriKind.Relative))).StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public void A_port_in_use_is_one_clear_line()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        using var output = new TemporaryDirectory();
        var (exit, _, stderr) = CliProcess.Run(null, "run", "--source", TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, exit);
        Assert.Contains($"error: --http-port {port}: cannot listen on 127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
