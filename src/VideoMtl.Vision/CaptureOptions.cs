namespace VideoMtl.Vision;

/// <summary>How a source is opened: time limits for live sources and the RTSP transport.</summary>
public sealed record CaptureOptions
{
    /// <summary>Give up opening a live source after this long; null = 10 s.</summary>
    public TimeSpan? OpenTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Give up waiting for one frame of a live source after this long; null = 10 s.</summary>
    public TimeSpan? ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public RtspTransport RtspTransport { get; init; } = RtspTransport.Default;
}
