using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using VideoMtl.Pipeline;
using VideoMtl.Pipeline.Preview;

namespace VideoMtl.Cli.Http;

/// <summary>
/// The live view's endpoints: the page (<see cref="WebPage"/>), <c>POST /session</c>, the tiles' WebSocket
/// <c>/previews</c> (<see cref="PreviewSocket"/>) and the figures' event stream <c>/events</c> (<see cref="LiveEvents"/>).
/// The large view uses the preview's own MJPEG and snapshot endpoints.
/// </summary>
internal static class LiveView
{
    /// <summary>Maps the endpoints; the returned events hub lives as long as the server (dispose it with the server).</summary>
    public static LiveEvents Map(WebApplication app, PipelineRunner runner, PreviewSink preview, ViewerBudget viewers, BearerTokenCheck? tokenCheck)
    {
        WebPage.Map(app);

        // A browser's own requests (images, EventSource, WebSocket) cannot carry an Authorization header: with a
        // token, the page trades it here (the middleware has checked it) for a session cookie. Without a token there
        // is nothing to trade.
        app.MapPost("/session", (HttpContext context) =>
        {
            tokenCheck?.StartSession(context.Response);
            return Results.NoContent();
        });

        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.Map("/previews", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await JsonError.Reply("/previews is a WebSocket: connect with one (the page at / does)", StatusCodes.Status400BadRequest).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (!PreviewSocket.IsSameOrigin(context.Request))
            {
                await JsonError.Reply("/previews serves this server's own page only", StatusCodes.Status403Forbidden).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await PreviewSocket.RunAsync(context, preview, viewers, app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        });

        var events = new LiveEvents(runner, app.Lifetime.ApplicationStopping);
        app.MapGet("/events", async (HttpContext context) =>
        {
            using var viewer = viewers.TryEnter(ViewerBudget.EventsLabel);
            if (viewer is null)
            {
                await viewers.Reject(context).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await events.WriteAsync(context, viewers.StallTimeout, viewers.Stalled).ConfigureAwait(false);
        });
        return events;
    }
}
