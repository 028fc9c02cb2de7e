namespace VideoMtl.Redis;

/// <summary>
/// One result read back from Redis: its entry id, stream, frame, timestamp, the result JSON (the NDJSON line), and
/// in a cluster the instance that produced it (null otherwise).
/// </summary>
public sealed record ResultEntry(string Id, string Stream, long Frame, double PtsMs, string Result, string? Instance = null);
