namespace VideoMtl.Cli.Configuration;

/// <summary>The <c>Gate</c> section: how streams in auto mode (<c>--tasks auto</c>) are gated.</summary>
internal sealed class GateSettings
{
    /// <summary>One frame per stream and task in this period gets the task whatever its detections show (0: never).</summary>
    public double KeepAliveSeconds { get; set; } = 1;
}
