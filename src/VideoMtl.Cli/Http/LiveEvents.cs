using System.Text;
using Microsoft.AspNetCore.Http;
using VideoMtl.Pipeline;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Cli.Http;

/// <summary>
/// <c>/events</c>: Server-Sent Events with every stream's state and figures (the <c>/streams</c> JSON) once a second,
/// and at once when a stream's state changes, so a page with any number of tiles needs one connection and no
/// polling. Nothing runs while nobody listens: each client's loop is the only work, and it ends with the client.
/// </summary>
internal sealed class LiveEvents : IDisposable
{
    /// <summary>How often the figures are sent when nothing changes (also the page's sign that the server lives).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private static readonly byte[] Preamble = Encoding.ASCII.GetBytes("retry: 2000\n\n");
    private static readonly byte[] EventStart = Encoding.ASCII.GetBytes("event: streams\ndata: ");
    private static readonly byte[] EventEnd = Encoding.ASCII.GetBytes("\n\n");
    private readonly PipelineRunner _runner;
    private readonly CancellationToken _stopping;
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();

    /// <param name="stopping">The server's stop: the streams end then, rather than holding the shutdown until its timeout.</param>
    public LiveEvents(PipelineRunner runner, CancellationToken stopping)
    {
        _runner = runner;
        _stopping = stopping;
        _runner.StreamStatusChanged += OnStatusChanged;
    }

    /// <summary>Streams events to one client until it goes away, or stops reading for <paramref name="stallTimeout"/> (then <paramref name="stalled"/> is called and the connection dropped).</summary>
    public async Task WriteAsync(HttpContext context, TimeSpan stallTimeout, Action stalled)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var aborted = ended.Token;
        using var stall = new StallGuard(stallTimeout, aborted);
        try
        {
            await response.Body.WriteAsync(Preamble, aborted).ConfigureAwait(false);
            while (!aborted.IsCancellationRequested)
            {
                // Taken before the figures are read: a change after this point wakes the next wait, never lost.
                Task changed;
                lock (_gate)
                {
                    changed = _changed.Task;
                }

                byte[] figures = StreamFigures.Json(_runner.Streams);
                var deadline = stall.Begin();
                await response.Body.WriteAsync(EventStart, deadline).ConfigureAwait(false);
                await response.Body.WriteAsync(figures, deadline).ConfigureAwait(false);
                await response.Body.WriteAsync(EventEnd, deadline).ConfigureAwait(false);
                await response.Body.FlushAsync(deadline).ConfigureAwait(false);
                stall.End();
                await Task.WhenAny(changed, Task.Delay(Period, aborted)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stall.Stalled)
        {
            stalled();
            context.Abort();
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away, or the server stops.
        }
    }

    public void Dispose() => _runner.StreamStatusChanged -= OnStatusChanged;

    private void OnStatusChanged(StreamState stream)
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            released = _changed;
            _changed = NewSignal();
        }

        released.TrySetResult();
    }

    // Clients continue on the pool, never inline on the capture thread that changed the state.
    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
