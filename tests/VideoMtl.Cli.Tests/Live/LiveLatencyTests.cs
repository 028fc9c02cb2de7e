using VideoMtl.Cli.Live;

namespace VideoMtl.Cli.Tests.Live;

public sealed class LiveLatencyTests
{
    [Fact]
    public void Latency_is_set_against_the_batch_time_per_stream_and_overall_within_the_window()
    {
        // Two streams, batches of 400 ms; a frame's latency 500 ms (a) or 700 ms (b); one warm-up frame outside the window.
        var frames = new List<PublishedFrame> { new(0.5, 0, 5000, 400) };
        for (int i = 0; i < 100; i++)
        {
            frames.Add(new PublishedFrame(10 + (i * 0.1), 0, 500, 400));
            frames.Add(new PublishedFrame(10 + (i * 0.1), 1, 700, 400));
        }

        var live = LiveLatency.From(frames, ["a", "b"], 10, 20);

        Assert.Equal(200, live.Overall.Count);
        Assert.Equal((500.0, 700.0), (live.Overall.P50Ms, live.Overall.P99Ms));
        Assert.Equal(400, live.BatchMs);
        Assert.Equal((1.25, 1.75), (live.P50Ratio, live.P99Ratio));
        Assert.True(live.LatencyGoalMet);
        Assert.Equal([10.0, 10.0], live.Streams.Select(s => s.ResultsPerSecond));
        Assert.Equal(700, live.Streams[1].Latency.P95Ms);
        Assert.True(live.FairnessGoalMet);
        Assert.Null(live.Drift); // ten seconds: too short to compare minutes
    }

    [Fact]
    public void A_starved_stream_a_slow_tail_and_drift_each_miss_their_goal()
    {
        var frames = new List<PublishedFrame>();
        for (int s = 0; s < 180; s++)
        {
            // Stream 0 gets three results a second, stream 1 one; latency rises from 300 ms to 1000 ms over the run.
            double latency = s < 60 ? 300 : 1000;
            frames.Add(new PublishedFrame(s, 0, latency, 400));
            frames.Add(new PublishedFrame(s + 0.3, 0, latency, 400));
            frames.Add(new PublishedFrame(s + 0.6, 0, latency, 400));
            frames.Add(new PublishedFrame(s + 0.5, 1, latency, 400));
        }

        var live = LiveLatency.From(frames, ["a", "b"], 0, 180);

        Assert.False(live.FairnessGoalMet);
        Assert.False(live.LatencyGoalMet); // p99 1000 ms > 2 × 400 ms
        Assert.Equal(1000.0 / 300, live.RawDrift!.Value, 6);
        Assert.Equal(1000.0 / 300, live.Drift!.Value, 6); // the batch time did not change: a backlog
        Assert.False(live.DriftGoalMet);
    }

    [Fact]
    public void A_machine_that_slows_down_is_not_drift_when_latency_keeps_pace_with_the_batch_time()
    {
        var frames = new List<PublishedFrame>();
        for (int s = 0; s < 180; s++)
        {
            // The batch time goes from 400 to 500 ms; latency stays 1.25 batch times.
            double batch = s < 90 ? 400 : 500;
            frames.Add(new PublishedFrame(s, 0, batch * 1.25, batch));
        }

        var live = LiveLatency.From(frames, ["a"], 0, 180);

        Assert.Equal(1.25, live.RawDrift!.Value, 6);
        Assert.Equal(1.0, live.Drift!.Value, 6);
        Assert.True(live.DriftGoalMet);
    }
}
