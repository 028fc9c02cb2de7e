using VideoMtl.Cli.Http;

namespace VideoMtl.Cli.Tests;

public sealed class StallGuardTests
{
    [Fact]
    public async Task A_send_past_its_deadline_is_a_stall()
    {
        using var ended = new CancellationTokenSource();
        using var guard = new StallGuard(TimeSpan.FromMilliseconds(50), ended.Token);
        var deadline = guard.Begin();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, deadline));
        Assert.True(guard.Stalled);
    }

    [Fact]
    public async Task No_deadline_runs_between_sends()
    {
        using var ended = new CancellationTokenSource();
        using var guard = new StallGuard(TimeSpan.FromMilliseconds(50), ended.Token);
        var deadline = guard.Begin();
        guard.End();
        await Task.Delay(300); // six timeouts' worth of waiting for the next frame
        Assert.False(deadline.IsCancellationRequested);
        Assert.False(guard.Stalled);
    }

    [Fact]
    public async Task A_viewer_that_goes_or_a_server_that_stops_is_not_a_stall()
    {
        using var ended = new CancellationTokenSource();
        using var guard = new StallGuard(TimeSpan.FromMinutes(5), ended.Token);
        var deadline = guard.Begin();
        await ended.CancelAsync();
        Assert.True(deadline.IsCancellationRequested); // the send ends
        Assert.False(guard.Stalled); // but is not counted
    }
}
