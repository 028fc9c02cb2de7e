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
    private readonly Lock _rateGate = new();
    private long _windowStart;
    private long _windowCount;
    private double _fps;
    private long _reconnects;
    private int _tracksActive;
    private int _status;
    private int _objectsInView;
    private long _inFlight;

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

    /// <summary>The tasks decoded for this stream (set once the model is loaded, before frames flow).</summary>
    public Core.Model.ModelTasks Tasks { get; set; } = Core.Model.ModelTasks.All;

    public int Width { get; set; }

    public int Height { get; set; }

    public double Fps { get; set; }

    public long? FrameCount { get; set; }

    public long Captured => Interlocked.Read(ref _captured);

    public long Processed => Interlocked.Read(ref _processed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Capture has stopped for good (the source ended, failed, or the run stopped).</summary>
    public bool Completed => Status is StreamStatus.Completed or StreamStatus.Failed;

    /// <summary>Written by the stream's capture thread, read by metrics and HTTP.</summary>
    public StreamStatus Status
    {
        get => (StreamStatus)Volatile.Read(ref _status);
        set
        {
            if (Interlocked.Exchange(ref _status, (int)value) != (int)value)
            {
                StatusChanged?.Invoke(this);
            }
        }
    }

    /// <summary>Raised on the writing thread when <see cref="Status"/> takes a new value.</summary>
    public event Action<StreamState>? StatusChanged;

    /// <summary>Objects detected in the latest processed frame.</summary>
    public int ObjectsInView
    {
        get => Volatile.Read(ref _objectsInView);
        set => Volatile.Write(ref _objectsInView, value);
    }

    /// <summary>End-to-end latency of the stream's latest published frames (capture to last sink), for live views.</summary>
    public LatencyWindow RecentLatency { get; } = new(256);

    /// <summary>Times a live source was opened again after going down.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Why the stream is down right now (redacted), or null.</summary>
    public string? DownReason { get; set; }

    public void CountReconnect() => Interlocked.Increment(ref _reconnects);

    public string? Error { get; set; }

    /// <summary>Objects with a track id in the latest processed frame (0 with tracking off).</summary>
    public int TracksActive
    {
        get => Volatile.Read(ref _tracksActive);
        set => Volatile.Write(ref _tracksActive, value);
    }

    public void CountCaptured() => Interlocked.Increment(ref _captured);

    /// <summary>
    /// Frames captured and not back in the pool yet (queued, being inferred, or waiting for a sink): 0 once every
    /// frame of the stream is published or dropped. A hand-over waits for it, so the old owner's last results are
    /// out before the new owner's first.
    /// </summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    // Pulsed whenever the count reaches 0; a monitor, not an event, because nothing here is disposed.
    private readonly object _drainGate = new();

    internal void EnteredPipeline() => Interlocked.Increment(ref _inFlight);

    internal void LeftPipeline()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            lock (_drainGate)
            {
                Monitor.PulseAll(_drainGate);
            }
        }
    }

    /// <summary>
    /// Waits until <see cref="InFlight"/> is 0 or <paramref name="bound"/> has passed; true when it is 0. For a
    /// hand-over, once capture has stopped: only frames leaving change the count then.
    /// </summary>
    public bool WaitUntilDrained(TimeSpan bound)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        lock (_drainGate)
        {
            // Checked under the lock the last frame pulses it with: a count reaching 0 after the check wakes the wait.
            while (InFlight > 0)
            {
                var left = bound - waited.Elapsed;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_drainGate, left))
                {
                    return InFlight <= 0;
                }
            }

            return true;
        }
    }

    /// <summary>Frames processed per second over the last complete 2-second window.</summary>
    public double ProcessedFps
    {
        get
        {
            lock (_rateGate)
            {
                return _fps;
            }
        }
    }

    public void CountProcessed()
    {
        Interlocked.Increment(ref _processed);
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (_rateGate)
        {
            // Tumbling window: frames of one batch finish together, so per-frame intervals say nothing.
            if (_windowStart == 0)
            {
                _windowStart = now;
            }

            _windowCount++;
            double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_windowStart, now).TotalSeconds;
            if (seconds >= 2)
            {
                _fps = _windowCount / seconds;
                _windowStart = now;
                _windowCount = 0;
            }
        }
    }

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    public void CountDropped(long count) => Interlocked.Add(ref _dropped, count);
}
