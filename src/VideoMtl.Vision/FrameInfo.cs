namespace VideoMtl.Vision;

/// <summary>Where a frame sits in its source.</summary>
/// <param name="Index">0-based position of the frame in the source.</param>
/// <param name="TimestampMs">Presentation time in milliseconds, or -1 when the backend does not know.</param>
public readonly record struct FrameInfo(long Index, double TimestampMs, int Width, int Height);
