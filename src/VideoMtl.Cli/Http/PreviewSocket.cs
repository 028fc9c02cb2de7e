using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using VideoMtl.Pipeline.Preview;

namespace VideoMtl.Cli.Http;

/// <summary>
/// <c>/previews</c>: one WebSocket that carries the preview frames of every stream a page shows, so a page of
/// tiles takes one connection instead of one MJPEG stream per tile (a browser opens at most six HTTP/1.1
/// connections to a server: with an MJPEG image per tile, the seventh tile and everything after it would wait for
/// ever). The page says which streams it shows (<c>{"watch":["a","b"]}</c>, the whole set each time, as tiles
/// scroll into and out of view or the tab is hidden); each watched stream is one viewer of
/// <see cref="ViewerBudget"/>, and only watched streams are encoded. A frame goes out as one binary message: one
/// byte with the length of the stream's name, the name (UTF-8), then the JPEG. A client slower than its streams
/// gets each stream's newest frame when it is ready again, never a backlog; one that stops reading is dropped
/// after <c>Http:ViewerStallSeconds</c>.
/// </summary>
internal sealed class PreviewSocket : IDisposable
{
    private const int MaxMessageBytes = 8 * 1024;
    private readonly WebSocket _socket;
    private readonly PreviewSink _preview;
    private readonly ViewerBudget _budget;
    private readonly Dictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    // The newest unsent frame per stream: a newer one replaces it, so nothing queues behind a slow client.
    private readonly Dictionary<string, PreviewFrame> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _ready = new(0, 1);
    // Each stream's message header (its name's length and the name), made once; only the sender touches it.
    private readonly Dictionary<string, byte[]> _headers = new(StringComparer.Ordinal);

    private PreviewSocket(WebSocket socket, PreviewSink preview, ViewerBudget budget)
    {
        _socket = socket;
        _preview = preview;
        _budget = budget;
    }

    /// <summary>Whether the request comes from this server's own page (or from no page at all, like a script): a
    /// WebSocket is not bound by the same-origin policy, so without this any web site could read the previews.</summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }

    /// <param name="stopping">The server's stop: the socket ends then, rather than holding the shutdown until its timeout.</param>
    public static async Task RunAsync(HttpContext context, PreviewSink preview, ViewerBudget budget, CancellationToken stopping)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        using var session = new PreviewSocket(socket, preview, budget);
        await session.RunAsync(context, stopping).ConfigureAwait(false);
    }

    public void Dispose() => _ready.Dispose();

    private async Task RunAsync(HttpContext context, CancellationToken stopping)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var sending = SendAsync(context, done.Token);
        try
        {
            await ReceiveAsync(done.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away, the sender gave up on it, or the server stops.
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
            lock (_gate)
            {
                foreach (var watch in _watches.Values)
                {
                    watch.Dispose();
                }

                _watches.Clear();
            }

            await sending.ConfigureAwait(false);
        }
    }

    /// <summary>Reads the page's watch lists until it closes the socket.</summary>
    private async Task ReceiveAsync(CancellationToken cancellation)
    {
        byte[] buffer = new byte[MaxMessageBytes];
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult received;
            do
            {
                if (length == buffer.Length)
                {
                    await _socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "a watch list is at most 8 KiB", cancellation).ConfigureAwait(false);
                    return;
                }

                received = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellation).ConfigureAwait(false);
                length += received.Count;
            }
            while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

            if (received.MessageType == WebSocketMessageType.Close)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellation).ConfigureAwait(false);
                return;
            }

            if (received.MessageType != WebSocketMessageType.Text || Parse(buffer.AsSpan(0, length)) is not { } names)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.InvalidPayloadData, "send {\"watch\":[stream names]}", cancellation).ConfigureAwait(false);
                return;
            }

            WatchOnly(names, cancellation);
        }
    }

    private static HashSet<string>? Parse(ReadOnlySpan<byte> message)
    {
        try
        {
            using var document = JsonDocument.Parse(message.ToArray());
            if (!document.RootElement.TryGetProperty("watch", out var watch) || watch.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            return [.. watch.EnumerateArray().Select(e => e.GetString() ?? string.Empty)];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Starts watching the streams newly in the list and stops those no longer in it; unknown names are ignored.</summary>
    private void WatchOnly(HashSet<string> names, CancellationToken cancellation)
    {
        lock (_gate)
        {
            foreach (string name in _watches.Keys.Where(n => !names.Contains(n)).ToList())
            {
                _watches.Remove(name, out var watch);
                watch!.Dispose();
            }

            foreach (string name in names)
            {
                if (_watches.ContainsKey(name) || !_preview.TryGetStream(name, out var feed))
                {
                    continue;
                }

                // Over the viewer budget, the stream is simply not sent; the page shows its figures without a picture.
                if (_budget.TryEnter(name) is { } place)
                {
                    _watches[name] = new Watch(this, feed, place, cancellation);
                }
            }
        }
    }

    private void Offer(PreviewFrame frame, string stream)
    {
        lock (_gate)
        {
            _pending[stream] = frame;
        }

        try
        {
            if (_ready.CurrentCount == 0)
            {
                _ready.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the sender takes everything pending at once.
        }
    }

    /// <summary>Sends what is pending, newest frame per stream, until the socket ends; drops a client that stops reading.</summary>
    private async Task SendAsync(HttpContext context, CancellationToken cancellation)
    {
        var frames = new List<(string Stream, PreviewFrame Frame)>();
        using var stall = new StallGuard(_budget.StallTimeout, cancellation);
        try
        {
            while (true)
            {
                await _ready.WaitAsync(cancellation).ConfigureAwait(false);
                frames.Clear();
                lock (_gate)
                {
                    foreach (var (stream, frame) in _pending)
                    {
                        if (_watches.ContainsKey(stream))
                        {
                            frames.Add((stream, frame));
                        }
                    }

                    _pending.Clear();
                }

                foreach (var (stream, frame) in frames)
                {
                    if (!_headers.TryGetValue(stream, out byte[]? header))
                    {
                        byte[] name = Encoding.UTF8.GetBytes(stream);
                        header = new byte[1 + name.Length];
                        header[0] = (byte)name.Length; // stream names are at most 64 ASCII characters
                        name.CopyTo(header, 1);
                        _headers[stream] = header;
                    }

                    var deadline = stall.Begin();
                    await _socket.SendAsync(header, WebSocketMessageType.Binary, endOfMessage: false, deadline).ConfigureAwait(false);
                    await _socket.SendAsync(frame.Jpeg, WebSocketMessageType.Binary, endOfMessage: true, deadline).ConfigureAwait(false);
                    stall.End();
                }
            }
        }
        catch (OperationCanceledException) when (stall.Stalled)
        {
            _budget.Stalled();
            context.Abort();
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The socket ended.
        }
    }

    /// <summary>One watched stream: its viewer place, its registration with the feed (so it is encoded), and the
    /// loop that hands each new frame to the sender.</summary>
    private sealed class Watch : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly IDisposable _place;
        private readonly IDisposable _viewer;

        public Watch(PreviewSocket socket, PreviewFeed feed, IDisposable place, CancellationToken cancellation)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            _place = place;
            _viewer = feed.Watch();
            _ = PumpAsync(socket, feed, _stop.Token);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _viewer.Dispose();
            _place.Dispose();
            _stop.Dispose();
        }

        private static async Task PumpAsync(PreviewSocket socket, PreviewFeed feed, CancellationToken cancellation)
        {
            long sequence = 0;
            try
            {
                while (await feed.NextAsync(sequence, cancellation).ConfigureAwait(false) is { } frame)
                {
                    sequence = frame.Sequence;
                    socket.Offer(frame, feed.Name);
                }
            }
            catch (OperationCanceledException)
            {
                // No longer watched.
            }
            catch (ObjectDisposedException)
            {
                // The socket ended while a frame was on its way.
            }
        }
    }
}
