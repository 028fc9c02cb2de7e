using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VideoMtl.Pipeline;
using Prometheus;
using VideoMtl.Pipeline.Preview;

namespace VideoMtl.Cli.Http;

/// <summary>
/// The run's HTTP side on Kestrel: <c>/metrics</c> (prometheus-net's exporter over the run's registry), <c>/healthz</c>, <c>/readyz</c>
/// <c>/streams</c>, and the preview: <c>/streams/{id}/mjpeg</c> and <c>/streams/{id}/snapshot.jpg</c>. Bound to loopback unless an address is given; small request limits, no bodies.
/// </summary>
internal sealed class StatusServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StatusServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Base address, e.g. http://127.0.0.1:8321.</summary>
    public string Address { get; }

    public static async Task<StatusServer> StartAsync(IPAddress bind, int port, PipelineRunner runner, CollectorRegistry registry, PreviewSink preview, string? bearerToken = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Kestrel's own request logs would drown the pipeline's; startup failures still surface as exceptions.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(bind, port);
            options.AddServerHeader = false;
            options.Limits.MaxConcurrentConnections = 64;
            options.Limits.MaxRequestBodySize = 1024;
            options.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        });
        var app = builder.Build();
        if (bearerToken is not null)
        {
            app.Use(new BearerTokenCheck(bearerToken).InvokeAsync);
        }

        app.MapMetrics("/metrics", registry);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => runner.IsReady ? Results.Text("ready\n") : Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/streams", () => Results.Text(StreamsJson(runner), "application/json"));
        app.MapGet("/streams/{id}/snapshot.jpg", async (string id, HttpContext context) =>
        {
            if (!preview.TryGetStream(id, out var stream))
            {
                return UnknownStream(id);
            }

            // The next frame, encoded for this request; the last one if the stream delivers none within 5 s.
            var latest = stream.Latest;
            stream.RequestFrame();
            PreviewFrame? frame;
            try
            {
                frame = await stream.NextAsync(latest?.Sequence ?? 0, context.RequestAborted).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                frame = stream.Latest;
            }

            return frame is null
                ? Results.Text("no frame yet: the stream has not delivered one\n", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Bytes(frame.Jpeg, "image/jpeg");
        });
        app.MapGet("/streams/{id}/mjpeg", async (string id, HttpContext context) =>
        {
            if (!preview.TryGetStream(id, out var stream))
            {
                await UnknownStream(id).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await MjpegResponse.WriteAsync(context, stream).ConfigureAwait(false);
        });
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new UserError($"--http-port {port}: cannot listen on {bind}:{port} ({e.Message.Split('\n')[0]}); choose another port, or 0 to switch the HTTP server off", e);
        }

        return new StatusServer(app, $"http://{(bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString())}:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IResult UnknownStream(string id) =>
        Results.Json(new Dictionary<string, string> { ["error"] = $"no stream named '{id}': see /streams for the names" }, statusCode: StatusCodes.Status404NotFound);

    private static string StreamsJson(PipelineRunner runner)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var s in runner.Streams)
            {
                json.WriteStartObject();
                json.WriteString("name", s.Name);
                json.WriteString("source", s.DisplaySource);
                json.WriteBoolean("live", s.IsLive);
                json.WriteString("state", s.Status.ToString().ToLowerInvariant());
                json.WriteNumber("reconnects", s.Reconnects);
                if (s.DownReason is { } reason)
                {
                    json.WriteString("down_reason", reason);
                }

                json.WriteNumber("width", s.Width);
                json.WriteNumber("height", s.Height);
                json.WriteNumber("source_fps", s.Fps);
                json.WriteNumber("processed_fps", Math.Round(s.ProcessedFps, 2));
                json.WriteNumber("captured", s.Captured);
                json.WriteNumber("processed", s.Processed);
                json.WriteNumber("dropped", s.Dropped);
                json.WriteNumber("tracks_active", s.TracksActive);
                if (s.Error is not null)
                {
                    json.WriteString("error", s.Error);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
