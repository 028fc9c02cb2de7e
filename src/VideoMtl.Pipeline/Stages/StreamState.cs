namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Counters and facts of one stream, written by its own stages and read by reporting; counters are
/// updated with Interlocked because capture, postprocess and sinks run on different threads.
/// </summary>
public sealed class StreamState
{
    private long _captured;
    private long _processed;
    private long _dropped;
    private long _lastProcessed;
    private double _fps;

    public StreamState(int index, string name, string displaySource, bool isLive)
    {
        Index = index;
        Name = name;
        DisplaySource = displaySource;
        IsLive = isLive;
    }

    /// <summary>Position of the stream in the run (for per-stream arrays).</summary>
    public int Index { get; }

    public string Name { get; }

    /// <summary>The source with any credentials redacted.</summary>
    public string DisplaySource { get; }

    /// <summary>Live streams drop the oldest frames when behind; files (not realtime) wait.</summary>
    public bool IsLive { get; }

    public int Width { get; set; }

    public int Height { get; set; }

    public double Fps { get; set; }

    public long? FrameCount { get; set; }

    public long Captured => Interlocked.Read(ref _captured);

    public long Processed => Interlocked.Read(ref _processed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The source ended (a finite file) or failed for good; set once by its capture task.</summary>
    public bool Completed { get; set; }

    public string? Error { get; set; }

    public void CountCaptured() => Interlocked.Increment(ref _captured);

    /// <summary>Frames processed per second over the last few seconds (exponentially smoothed).</summary>
    public double ProcessedFps => Volatile.Read(ref _fps);

    public void CountProcessed()
    {
        Interlocked.Increment(ref _processed);
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        long last = Interlocked.Exchange(ref _lastProcessed, now);
        if (last != 0)
        {
            double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(last, now).TotalSeconds;
            double instant = seconds > 0 ? 1 / seconds : 0;
            double previous = Volatile.Read(ref _fps);
            Volatile.Write(ref _fps, previous == 0 ? instant : (0.9 * previous) + (0.1 * instant));
        }
    }

    public void CountDropped() => Interlocked.Increment(ref _dropped);
}
