namespace VideoMtl.Cli.Configuration;

/// <summary>
/// The <c>Redis</c> section of the run settings: publish every result to Redis Streams. Deliberately not a flag:
/// the address may carry credentials and command lines are visible to every user of the machine (ps); use the
/// file or <c>VIDEOMTL__REDIS__URL</c>. Logs and errors show it redacted.
/// </summary>
internal sealed class RedisSettings
{
    /// <summary><c>redis://[user:password@]host[:port][/db]</c> or <c>host:port</c>; null switches the sink off.</summary>
    public string? Url { get; set; }

    /// <summary>Each results stream is trimmed to about this many entries (XADD MAXLEN ~).</summary>
    public int MaxLength { get; set; } = 10_000;

    /// <summary>Results waiting while Redis is down or slow at most; past it the oldest are dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 2_048;

    /// <summary>Whether results go to Redis: a <see cref="Url"/> is set.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    /// <summary>The parsed address, for <c>run</c> and <c>results tail</c> alike; a bad one is a one-line error that never shows the password.</summary>
    public Redis.RedisEndpoint Endpoint()
    {
        try
        {
            return Redis.RedisEndpoint.Parse(Url ?? string.Empty);
        }
        catch (ArgumentException e)
        {
            throw new UserError(e.Message, e);
        }
    }
}
