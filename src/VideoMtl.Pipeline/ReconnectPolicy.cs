namespace VideoMtl.Pipeline;

/// <summary>
/// How a live source is retried when it cannot be opened or stops delivering: exponential backoff from
/// <see cref="InitialDelay"/>, doubling up to <see cref="MaxDelay"/>, each delay spread by ±<see cref="Jitter"/>
/// so many cameras behind one failed switch do not all knock at the same instant.
/// </summary>
public sealed record ReconnectPolicy
{
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fraction (0..1) by which each delay is randomly lengthened or shortened.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Attempts in a row before the stream is given up as failed; null retries forever.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// The watchdog: a live source that delivers no frame for this long is closed and opened again. It is
    /// also the backend's read timeout, so a read that hangs on a dead connection returns.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before retry number <paramref name="attempt"/> (1 = the first retry).</summary>
    /// <param name="random">A number in [0, 1) that picks the jitter.</param>
    public TimeSpan DelayBefore(int attempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        double baseMs = InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        baseMs = Math.Min(baseMs, MaxDelay.TotalMilliseconds);
        double spread = 1 + (Jitter * ((2 * random) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, baseMs * spread));
    }

    public void Validate()
    {
        if (InitialDelay <= TimeSpan.Zero || InitialDelay > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"Reconnect:InitialDelayMs {InitialDelay.TotalMilliseconds} is out of range: use 1..600000");
        }

        if (MaxDelay < InitialDelay || MaxDelay > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"Reconnect:MaxDelaySeconds {MaxDelay.TotalSeconds} is out of range: use at least the initial delay and at most 3600");
        }

        if (Jitter is < 0 or > 1 || double.IsNaN(Jitter))
        {
            throw new ArgumentException($"Reconnect:Jitter {Jitter} is out of range: use 0..1 (0.2 = ±20%)");
        }

        if (MaxAttempts is < 1)
        {
            throw new ArgumentException($"Reconnect:MaxAttempts {MaxAttempts} is out of range: use 1 or more, or 0 / leave it unset to retry forever");
        }

        if (StallTimeout < TimeSpan.FromMilliseconds(100) || StallTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"Reconnect:StallSeconds {StallTimeout.TotalSeconds} is out of range: use 0.1..3600");
        }
    }
}
