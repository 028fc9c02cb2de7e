using OpenCvSharp;
using System.Diagnostics;
using VideoMtl.Pipeline.Preview;
using VideoMtl.Pipeline.Stages;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Tests;

/// <summary>The preview's frame hand-over between the sink (one writer) and HTTP clients (many readers).</summary>
public sealed class PreviewFeedTests
{
    [Fact]
    public async Task A_waiting_client_gets_the_next_frame_and_then_null_when_the_run_ends()
    {
        using var sink = new PreviewSink(["cam"]);
        Assert.True(sink.TryGetStream("cam", out var feed));
        Assert.False(sink.TryGetStream("other", out _));
        Assert.Null(feed.Latest);
        using var viewer = feed.Watch();

        var waiting = feed.NextAsync(0, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        sink.Write(Packet("cam", 7));
        var first = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((1L, 7L), (first!.Sequence, first.FrameIndex));
        Assert.Equal(0xD8, first.Jpeg.Span[1]);

        // A slow client that asks after two more frames gets the newest one, not a backlog.
        sink.Write(Packet("cam", 8));
        sink.Write(Packet("cam", 9));
        Assert.Equal(9, (await feed.NextAsync(first.Sequence, CancellationToken.None))!.FrameIndex);

        var last = feed.NextAsync(3, CancellationToken.None);
        sink.Complete();
        Assert.Null(await last.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Without_viewers_only_frames_asked_for_are_encoded()
    {
        using var sink = new PreviewSink(["cam"]);
        sink.TryGetStream("cam", out var feed);
        Assert.False(sink.Write(Packet("cam", 0)));
        Assert.Null(feed.Latest); // nobody watches or asked: nothing encoded

        feed.RequestFrame();
        Assert.True(sink.Write(Packet("cam", 1)));
        Assert.False(sink.Write(Packet("cam", 2)));
        Assert.Equal(1, feed.Latest!.FrameIndex); // one snapshot asked for, one frame encoded

        using (feed.Watch())
        {
            Assert.Equal(1, feed.Viewers);
            sink.Write(Packet("cam", 3));
            Assert.Equal(3, feed.Latest!.FrameIndex);
        }

        Assert.Equal(0, feed.Viewers);
    }

    private static FramePacket Packet(string stream, long index)
    {
        var packet = new FramePacket(17) { Stream = new StreamState(0, stream, stream, isLive: true), FrameIndex = index, CapturedAt = Stopwatch.GetTimestamp() };
        using var image = new Mat(48, 64, MatType.CV_8UC3);
        image.CopyTo(packet.Image);
        return packet;
    }
}
