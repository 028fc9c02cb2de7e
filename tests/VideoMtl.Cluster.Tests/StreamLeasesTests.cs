namespace VideoMtl.Cluster.Tests;

/// <summary>The meeting point of entities and captures: grants wait for capture, capture waits for grants, a waiting grant can be withdrawn.</summary>
public sealed class StreamLeasesTests
{
    [Fact]
    public async Task A_grant_made_before_capture_asks_is_taken_when_it_does()
    {
        var leases = new StreamLeases(["cam"]);
        var granted = leases.Grant("cam", 42);

        var taken = await leases.AcquireAsync("cam", CancellationToken.None);

        Assert.Same(granted, taken);
        Assert.Equal(42, taken.FirstFrame);
        Assert.Equal(["cam"], leases.Owned);
        taken.Dispose();
        Assert.True(granted.Released.IsCompleted);
        Assert.Empty(leases.Owned);
    }

    [Fact]
    public async Task Capture_waits_for_a_grant_and_a_revoke_cancels_its_token()
    {
        var leases = new StreamLeases(["cam"]);
        var waiting = leases.AcquireAsync("cam", CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        var granted = leases.Grant("cam", 0);
        var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(lease.Revoked.IsCancellationRequested);
        granted.Revoke();
        granted.Revoke(); // twice is harmless
        Assert.True(lease.Revoked.IsCancellationRequested);
        Assert.False(granted.Completed.IsCompleted);
        lease.Complete();
        Assert.True(granted.Completed.IsCompleted);
    }

    [Fact]
    public async Task A_grant_nobody_took_is_withdrawn_and_counts_as_released()
    {
        var leases = new StreamLeases(["cam"]);
        var granted = leases.Grant("cam", 0);

        Assert.True(leases.Withdraw(granted));
        Assert.True(granted.Released.IsCompleted);
        Assert.False(leases.Withdraw(granted));
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leases.AcquireAsync("cam", stop.Token));
    }

    [Fact]
    public void Only_configured_streams_are_known() => Assert.False(new StreamLeases(["cam"]).Knows("other"));
}
