namespace VideoMtl.Cli.Soak;

/// <summary>One interval of a soak run: per-stream counts in that interval, latency percentiles and memory at its end.</summary>
internal sealed record SoakSample(
    double ElapsedSeconds,
    IReadOnlyList<SoakStreamCounts> Streams,
    int LatencyCount,
    double LatencyP50Ms,
    double LatencyP99Ms,
    double LatencyMaxMs,
    long ResidentBytes,
    long ManagedHeapBytes,
    int Gen2Collections);

/// <summary>Frames of one stream in one interval (or in the whole run).</summary>
internal sealed record SoakStreamCounts(string Name, long In, long Out, long Dropped, long Reconnects);
