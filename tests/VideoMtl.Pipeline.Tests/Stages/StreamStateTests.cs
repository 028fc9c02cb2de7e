using System.Diagnostics;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Tests.Stages;

/// <summary>The frames-in-flight count a hand-over waits on.</summary>
public sealed class StreamStateTests
{
    [Fact]
    public async Task A_wait_for_the_frames_in_flight_ends_when_the_last_one_leaves()
    {
        var state = new StreamState(0, "cam", "cam", isLive: true);
        for (int i = 0; i < 3; i++)
        {
            state.EnteredPipeline();
        }

        var clock = Stopwatch.StartNew();
        var wait = Task.Run(() => state.WaitUntilDrained(TimeSpan.FromMinutes(2)));
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(50);
            Assert.False(wait.IsCompleted);
            state.LeftPipeline();
        }

        Assert.True(await wait);
        Assert.Equal(0, state.InFlight);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"woke after {clock.Elapsed}: the last frame did not wake it");
    }

    [Fact]
    public void A_wait_ends_at_its_bound_with_frames_still_in_flight_and_at_once_with_none()
    {
        var state = new StreamState(0, "cam", "cam", isLive: true);
        Assert.True(state.WaitUntilDrained(TimeSpan.Zero));
        state.EnteredPipeline();
        Assert.False(state.WaitUntilDrained(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(1, state.InFlight);
    }
}
