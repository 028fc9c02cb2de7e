namespace VideoMtl.Redis;

/// <summary>One result read back from Redis: its entry id, stream, frame, timestamp and the result JSON (the NDJSON line).</summary>
public sealed record ResultEntry(string Id, string Stream, long Frame, double PtsMs, string Result);
