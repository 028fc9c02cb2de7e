using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VideoMtl.Cli.Configuration;
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

    public static async Task<StatusServer> StartAsync(IPAddress bind, HttpSettings settings, PipelineRunner runner, CollectorRegistry registry, PreviewSink preview)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int port = settings.Port, management = settings.ManagementPort;
        var viewers = new ViewerBudget(settings.MaxViewers, TimeSpan.FromSeconds(settings.ViewerStallSeconds), registry, preview.StreamNames);
        var builder = WebApplication.CreateSlimBuilder();
        // Kestrel's own request logs would drown the pipeline's; startup failures still surface as exceptions.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(bind, port);
            if (management != 0)
            {
                // The management port's connections have a budget of their own that nothing on the main port can use up.
                options.Listen(bind, management, listen => listen.Use(ConnectionLimit(ManagementConnections)));
            }

            options.AddServerHeader = false;
            // No server-wide connection cap: one cap shared by everyone is one a crowd of viewers uses up, and then
            // /metrics and every health probe go unanswered (it did, at 64). Viewers have their own budget
            // (Http:MaxViewers, 503 beyond it); clients that connect and send nothing, or send headers a byte at a
            // time, are closed by the header timeout; idle keep-alive connections by the keep-alive timeout.
            options.Limits.MaxConcurrentConnections = null;
            options.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            options.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
            options.Limits.MaxRequestBodySize = 1024;
            options.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        });
        var app = builder.Build();
        if (management != 0)
        {
            app.Use(async (context, next) =>
            {
                if (context.Connection.LocalPort == management && context.Request.Path.Value is not ("/metrics" or "/healthz" or "/readyz"))
                {
                    await Results.Json(new Dictionary<string, string> { ["error"] = $"the management port serves /metrics, /healthz and /readyz; the rest is on port {port}" }, statusCode: StatusCodes.Status404NotFound).ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        if (settings.BearerToken is { } bearerToken)
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

            using var viewer = viewers.TryEnter(id);
            if (viewer is null)
            {
                return viewers.Reject(context);
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

            using var viewer = viewers.TryEnter(id);
            if (viewer is null)
            {
                await viewers.Reject(context).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await MjpegResponse.WriteAsync(context, stream, viewers).ConfigureAwait(false);
        });
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            string where = management == 0 ? $"--http-port {port}: cannot listen on {bind}:{port}" : $"--http-port {port} / Http:ManagementPort {management}: cannot listen on {bind}:{port} and :{management}";
            throw new UserError($"{where} ({e.Message.Split('\n')[0]}); choose another port, or 0 to switch the HTTP server off", e);
        }

        return new StatusServer(app, $"http://{(bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString())}:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Connections a management port takes at once: Prometheus and a few probes need a handful.</summary>
    private const int ManagementConnections = 64;

    /// <summary>Closes a listener's connections beyond <paramref name="limit"/> at once, before they are read.</summary>
    private static Func<ConnectionDelegate, ConnectionDelegate> ConnectionLimit(int limit)
    {
        int open = 0;
        return next => async connection =>
        {
            if (Interlocked.Increment(ref open) > limit)
            {
                Interlocked.Decrement(ref open);
                connection.Abort();
                return;
            }

            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref open);
            }
        };
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
