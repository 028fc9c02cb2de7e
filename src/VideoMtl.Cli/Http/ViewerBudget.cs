using Microsoft.AspNetCore.Http;
using Prometheus;

namespace VideoMtl.Cli.Http;

/// <summary>
/// The preview's share of the HTTP server: at most <c>Http:MaxViewers</c> MJPEG streams, snapshots, live-view streams and <c>/events</c> in progress;
/// one more gets 503 with Retry-After and a one-line JSON reason, and its connection is closed (a client that never
/// reads must not keep it). Counts what it turns away in <c>videomtl_http_rejected_total{reason}</c> (viewers: the
/// budget was full; stalled: a viewer stopped reading) and shows who watches in <c>videomtl_http_viewers{stream}</c>.
/// Thread-safe: requests enter and leave on Kestrel's threads.
/// </summary>
internal sealed class ViewerBudget
{
    /// <summary>The gauge's label for the live view's event streams (a stream name never holds a '/').</summary>
    public const string EventsLabel = "/events";

    private const int RetryAfterSeconds = 5;
    private readonly int _max;
    private readonly Gauge _viewers;
    private readonly Counter.Child _full;
    private readonly Counter.Child _stalled;
    private int _count;

    public ViewerBudget(int max, TimeSpan stallTimeout, CollectorRegistry registry, IEnumerable<string> streams)
    {
        _max = max;
        StallTimeout = stallTimeout;
        var factory = Metrics.WithCustomRegistry(registry);
        _viewers = factory.CreateGauge("videomtl_http_viewers", "Preview requests (MJPEG streams, snapshots) in progress, by stream; stream=\"/events\": live-view event streams", ["stream"]);
        var rejected = factory.CreateCounter("videomtl_http_rejected_total", "Preview clients turned away (viewers: over Http:MaxViewers) or disconnected (stalled: stopped reading)", ["reason"]);
        _full = rejected.WithLabels("viewers");
        _stalled = rejected.WithLabels("stalled");
        foreach (string stream in streams.Append(EventsLabel))
        {
            _viewers.WithLabels(stream).Set(0); // every series from the start, at 0
        }
    }

    /// <summary>How long a viewer's frame may wait to be taken before the viewer is disconnected.</summary>
    public TimeSpan StallTimeout { get; }

    /// <summary>A place for one viewer of <paramref name="stream"/> until disposed; null when the budget is full.</summary>
    public IDisposable? TryEnter(string stream)
    {
        if (Interlocked.Increment(ref _count) > _max)
        {
            Interlocked.Decrement(ref _count);
            return null;
        }

        var gauge = _viewers.WithLabels(stream);
        gauge.Inc();
        return new Place(this, gauge);
    }

    /// <summary>The 503 for a request over the budget (counted); the connection closes after it.</summary>
    public IResult Reject(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _full.Inc();
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers.Connection = "close";
        return JsonError.Reply($"too many viewers: the preview serves {_max} at once (Http:MaxViewers); try again in {RetryAfterSeconds} s", StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Counts a viewer disconnected for not reading.</summary>
    public void Stalled() => _stalled.Inc();

    private sealed class Place(ViewerBudget budget, Gauge.Child gauge) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gauge.Dec();
                Interlocked.Decrement(ref budget._count);
            }
        }
    }
}
