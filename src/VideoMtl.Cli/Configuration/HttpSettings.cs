namespace VideoMtl.Cli.Configuration;

/// <summary>The <c>Http</c> section of the run settings.</summary>
internal sealed class HttpSettings
{
    /// <summary>0 switches the server off.</summary>
    public int Port { get; set; } = 8321;

    /// <summary>Loopback unless the operator decides otherwise.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>
    /// When set, every endpoint except <c>/healthz</c> wants <c>Authorization: Bearer TOKEN</c>. Deliberately
    /// not a flag: command lines are visible to every user of the machine (ps); use the file or
    /// <c>VIDEOMTL__HTTP__BEARERTOKEN</c>.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// A second port serving only <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>, with a connection budget of its
    /// own that no viewer can take (for Prometheus and orchestrator probes); 0 (default) = none, the main port serves them.
    /// </summary>
    public int ManagementPort { get; set; }

    /// <summary>Preview requests in progress at most (MJPEG streams, snapshots, streams a live-view page shows, /events); more get 503 with Retry-After.</summary>
    public int MaxViewers { get; set; } = 1024;

    /// <summary>A viewer whose frame has not been taken for this long is disconnected (a client that stopped reading).</summary>
    public double ViewerStallSeconds { get; set; } = 10;
}
