using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using VideoMtl.Cli.Configuration;
using VideoMtl.Core.Annotation;
using VideoMtl.Pipeline;
using Prometheus;
using VideoMtl.Pipeline.Preview;

namespace VideoMtl.Cli.Http;

/// <summary>
/// The run's HTTP side on Kestrel: <c>/metrics</c> (prometheus-net's exporter over the run's registry), <c>/healthz</c>, <c>/readyz</c>
/// <c>/streams</c>, the preview: <c>/streams/{id}/mjpeg</c> and <c>/streams/{id}/snapshot.jpg</c> (both with <c>?overlays=</c>),
/// and the live view: the page at <c>/</c>, its events at <c>/events</c> and its tiles' frames over one WebSocket at <c>/previews</c>. Bound to loopback unless an address is given;
/// small request limits, no bodies.
/// </summary>
internal sealed class StatusServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LiveEvents _events;
    private readonly ReturningMemoryPoolFactory _buffers;

    private StatusServer(WebApplication app, LiveEvents events, ReturningMemoryPoolFactory buffers, string address)
    {
        _app = app;
        _events = events;
        _buffers = buffers;
        Address = address;
    }

    /// <summary>Base address, e.g. http://127.0.0.1:8321.</summary>
    public string Address { get; }

    /// <param name="cluster">In a cluster, this instance's membership (served at /cluster); null otherwise.</param>
    public static async Task<StatusServer> StartAsync(IPAddress bind, HttpSettings settings, PipelineRunner runner, CollectorRegistry registry, PreviewSink preview, Clustering.ClusterRun? cluster = null)
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
        // Kestrel's transport takes its buffer pools from the services: ones that give a crowd's memory back when it
        // leaves, in place of the default (registered by UseKestrel, hence replaced after it).
        var buffers = new ReturningMemoryPoolFactory();
        builder.Services.RemoveAll<IMemoryPoolFactory<byte>>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(buffers);
        var bufferGauge = Metrics.WithCustomRegistry(registry).CreateGauge("videomtl_http_buffer_bytes", "Bytes in the HTTP server's connection buffers, in use or pooled");
        registry.AddBeforeCollectCallback(() => bufferGauge.Set(buffers.Bytes));
        var app = builder.Build();
        if (management != 0)
        {
            app.Use(async (context, next) =>
            {
                if (context.Connection.LocalPort == management && context.Request.Path.Value is not ("/metrics" or "/healthz" or "/readyz"))
                {
                    await JsonError.Reply($"the management port serves /metrics, /healthz and /readyz; the rest is on port {port}", StatusCodes.Status404NotFound).ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        var tokenCheck = settings.BearerToken is { } bearerToken ? new BearerTokenCheck(bearerToken) : null;
        if (tokenCheck is not null)
        {
            app.Use(tokenCheck.InvokeAsync);
        }

        var events = LiveView.Map(app, runner, preview, viewers, tokenCheck);
        app.MapMetrics("/metrics", registry);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => runner.IsReady ? Results.Text("ready\n") : Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/streams", () => Results.Bytes(StreamFigures.Json(runner.Streams), "application/json"));
        app.MapGet("/cluster", async () =>
        {
            if (cluster is null)
            {
                return JsonError.Reply("this instance is not in a cluster: run it with --cluster (README \"Many machines\")", StatusCodes.Status404NotFound);
            }

            return await cluster.DescribeAsync().ConfigureAwait(false) is { } body
                ? Results.Bytes(body, "application/json")
                : Results.Json(new Dictionary<string, string> { ["state"] = "joining" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/streams/{id}/snapshot.jpg", async (string id, string? overlays, HttpContext context) =>
        {
            if (!TryOverlays(overlays, out var chosen, out var bad))
            {
                return bad;
            }

            if (!preview.TryGetStream(id, chosen, out var stream))
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
                ? JsonError.Reply("no frame yet: the stream has not delivered one; try again in a moment", StatusCodes.Status503ServiceUnavailable)
                : Results.Bytes(frame.Jpeg, "image/jpeg");
        });
        app.MapGet("/streams/{id}/mjpeg", async (string id, string? overlays, HttpContext context) =>
        {
            if (!TryOverlays(overlays, out var chosen, out var bad))
            {
                await bad.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (!preview.TryGetStream(id, chosen, out var stream))
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
            events.Dispose();
            buffers.Dispose();
            string where = management == 0 ? $"--http-port {port}: cannot listen on {bind}:{port}" : $"--http-port {port} / Http:ManagementPort {management}: cannot listen on {bind}:{port} and :{management}";
            throw new UserError($"{where} ({e.Message.Split('\n')[0]}); choose another port, or 0 to switch the HTTP server off", e);
        }

        return new StatusServer(app, events, buffers, $"http://{(bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString())}:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _events.Dispose();
        _buffers.Dispose();
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
        JsonError.Reply($"no stream named '{id}': see /streams for the names", StatusCodes.Status404NotFound);

    /// <summary>
    /// The overlays a preview request asks for (<c>?overlays=boxes,labels</c>; all of them without the parameter), or
    /// the 400 that names what it does not know.
    /// </summary>
    private static bool TryOverlays(string? text, out OverlaySet overlays, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out IResult? error)
    {
        error = null;
        overlays = OverlaySet.All;
        if (text is null || OverlayNames.TryParse(text, out overlays, out _))
        {
            return true;
        }

        error = JsonError.Reply($"overlays '{text}' is not a list of {OverlayNames.Accepted}", StatusCodes.Status400BadRequest);
        return false;
    }
}
