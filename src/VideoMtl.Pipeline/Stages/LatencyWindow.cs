namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// The last N latencies of a stream in a ring, and their percentiles on demand: what a live view shows as
/// "p50 / p99 now" (the Prometheus histogram keeps the whole run, in buckets). Adding is a short lock on the
/// sink thread that publishes the frame; reading copies and sorts N values (once a second per view).
/// </summary>
public sealed class LatencyWindow(int capacity)
{
    private readonly Lock _gate = new();
    private readonly double[] _values = new double[capacity];
    private int _count;
    private int _next;

    public void Add(double milliseconds)
    {
        lock (_gate)
        {
            _values[_next] = milliseconds;
            _next = (_next + 1) % _values.Length;
            _count = Math.Min(_count + 1, _values.Length);
        }
    }

    /// <summary>Median and 99th percentile (nearest rank) of the window in milliseconds; null before the first frame.</summary>
    public (double P50, double P99)? Percentiles()
    {
        double[] sorted;
        lock (_gate)
        {
            if (_count == 0)
            {
                return null;
            }

            sorted = _values[.._count];
        }

        Array.Sort(sorted);
        return (Rank(sorted, 0.50), Rank(sorted, 0.99));
    }

    private static double Rank(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
