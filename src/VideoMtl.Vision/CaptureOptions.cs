namespace VideoMtl.Vision;

/// <summary>How a <see cref="VideoCapture"/> opens its source.</summary>
public sealed record CaptureOptions
{
    public VideoBackend Backend { get; init; } = VideoBackend.Auto;

    /// <summary>Give up opening a stream after this long (FFmpeg and GStreamer URLs); null = backend default.</summary>
    public TimeSpan? OpenTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Give up waiting for one frame after this long; null = backend default.</summary>
    public TimeSpan? ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public RtspTransport RtspTransport { get; init; } = RtspTransport.Default;
}
