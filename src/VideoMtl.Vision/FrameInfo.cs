namespace VideoMtl.Vision;

/// <summary>Where a frame sits in its source.</summary>
/// <param name="Index">0-based position of the frame in the source.</param>
/// <param name="TimestampMs">Presentation time in milliseconds, or -1 when the backend does not know.</param>
/// <param name="ArrivedAt">
/// <see cref="System.Diagnostics.Stopwatch"/> timestamp of the moment the frame's last byte came in from a live
/// source, before any copying or conversion: the start of the latency a user feels. 0 where the source is a
/// file (there is no arrival: the reader takes the frame when it wants it).
/// </param>
public readonly record struct FrameInfo(long Index, double TimestampMs, int Width, int Height, long ArrivedAt = 0);
