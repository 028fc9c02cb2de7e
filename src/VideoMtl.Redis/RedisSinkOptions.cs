namespace VideoMtl.Redis;

/// <param name="MaxLength">Each results stream is trimmed to about this many entries (XADD MAXLEN ~).</param>
/// <param name="QueueCapacity">Results waiting for Redis (down or slow) at most; past it the oldest are dropped and counted.</param>
/// <param name="DrainTimeout">At the end of a run, how long what is still queued may take to reach Redis.</param>
/// <param name="Instance">The instance's name in a cluster: each entry says who produced it (an <c>instance</c> field); null for none.</param>
public sealed record RedisSinkOptions(int MaxLength = 10_000, int QueueCapacity = 2_048, TimeSpan DrainTimeout = default, string? Instance = null)
{
    public TimeSpan Drain => DrainTimeout == default ? TimeSpan.FromSeconds(5) : DrainTimeout;

    public void Validate()
    {
        if (MaxLength < 1 || QueueCapacity < 1)
        {
            throw new ArgumentException($"Redis:MaxLength ({MaxLength}) and Redis:QueueCapacity ({QueueCapacity}) must be 1 or more");
        }
    }
}
