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
}
