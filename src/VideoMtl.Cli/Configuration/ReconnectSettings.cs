namespace VideoMtl.Cli.Configuration;

/// <summary>The <c>Reconnect</c> section: how live sources (cameras, RTSP/HTTP streams) are retried.</summary>
internal sealed class ReconnectSettings
{
    /// <summary>The watchdog: no frame for this long and the source is reopened.</summary>
    public double StallSeconds { get; set; } = 10;

    /// <summary>The first retry's delay; each further one doubles it.</summary>
    public int InitialDelayMs { get; set; } = 500;

    public double MaxDelaySeconds { get; set; } = 30;

    /// <summary>±fraction of random spread on every delay.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>0 retries forever.</summary>
    public int MaxAttempts { get; set; }
}
