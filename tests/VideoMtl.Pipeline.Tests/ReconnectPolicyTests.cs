namespace VideoMtl.Pipeline.Tests;

public sealed class ReconnectPolicyTests
{
    private readonly ReconnectPolicy _policy = new() { InitialDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(30), Jitter = 0.2 };

    [Theory]
    [InlineData(1, 500)]
    [InlineData(2, 1000)]
    [InlineData(3, 2000)]
    [InlineData(7, 30000)] // 32 s capped at 30
    [InlineData(1000, 30000)]
    public void Delays_double_up_to_the_cap(int attempt, double milliseconds) =>
        Assert.Equal(milliseconds, _policy.DelayBefore(attempt, random: 0.5).TotalMilliseconds, 3);

    [Fact]
    public void Jitter_spreads_each_delay_by_at_most_its_fraction()
    {
        Assert.Equal(400, _policy.DelayBefore(1, random: 0).TotalMilliseconds, 3);
        Assert.Equal(600, _policy.DelayBefore(1, random: 0.999999).TotalMilliseconds, 0);
        Assert.Equal(24000, _policy.DelayBefore(50, random: 0).TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData(0, 30, 0.2, null, 10, "InitialDelayMs")]
    [InlineData(500, 0.1, 0.2, null, 10, "MaxDelaySeconds")]
    [InlineData(500, 30, 1.5, null, 10, "Jitter")]
    [InlineData(500, 30, 0.2, 0, 10, "MaxAttempts")]
    [InlineData(500, 30, 0.2, null, 0.01, "StallSeconds")]
    public void Bad_values_are_named(double initialMs, double maxSeconds, double jitter, int? attempts, double stallSeconds, string key)
    {
        var policy = new ReconnectPolicy
        {
            InitialDelay = TimeSpan.FromMilliseconds(initialMs),
            MaxDelay = TimeSpan.FromSeconds(maxSeconds),
            Jitter = jitter,
            MaxAttempts = attempts,
            StallTimeout = TimeSpan.FromSeconds(stallSeconds),
        };
        var error = Assert.Throws<ArgumentException>(policy.Validate);
        Assert.Contains("Reconnect:" + key, error.Message, StringComparison.Ordinal);
    }
}
