using OpenCvSharp;
using System.Diagnostics;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Model;
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

    [Fact]
    public async Task A_view_with_chosen_overlays_is_drawn_on_the_clean_frame_and_only_while_watched()
    {
        var model = new ModelDescription { Source = "synthetic", InputWidth = 640, InputHeight = 640, ClassNames = ["person"], Anchors = 1 };
        using var sink = new PreviewSink(["cam"]);
        sink.Start(model);
        var packet = Packet("cam", 1);
        packet.Image.SetTo(Scalar.All(0));
        packet.Detections.Add(8, 8, 40, 40, 0, 0.9f);
        Assert.False(sink.WantsCleanPixels(packet.Stream)); // nobody asked for a view of its own

        sink.TryGetStream("cam", OverlaySet.Boxes, out var boxes);
        sink.TryGetStream("cam", OverlaySet.None, out var none);
        sink.TryGetStream("cam", OverlaySet.Boxes, out var again);
        Assert.Same(boxes, again); // one feed per overlay set, shared by its viewers
        Assert.Equal(OverlaySet.Boxes, boxes.Overlays);
        using (boxes.Watch())
        using (none.Watch())
        {
            Assert.True(sink.WantsCleanPixels(packet.Stream));
            // What postprocess does: the clean copy first, then every overlay on the image itself (here: all white).
            packet.Image.CopyTo(packet.CleanImage);
            packet.HasCleanImage = true;
            packet.Image.SetTo(Scalar.All(255));
            Assert.True(sink.Write(packet));
            using var drawn = Cv2.ImDecode(boxes.Latest!.Jpeg.ToArray(), ImreadModes.Color);
            using var clean = Cv2.ImDecode(none.Latest!.Jpeg.ToArray(), ImreadModes.Color);
            Assert.True(Cv2.Mean(clean).Val0 < 20, "the view without overlays shows the frame as captured, not the annotated one");
            Assert.True(Cv2.Mean(drawn).Val0 > Cv2.Mean(clean).Val0 + 1, "the boxes view has the box drawn");
            sink.TryGetStream("cam", out var all);
            Assert.Null(all.Latest); // the default view has no viewer: not encoded
        }

        Assert.False(sink.WantsCleanPixels(packet.Stream));
        sink.Complete();
        sink.TryGetStream("cam", OverlaySet.Labels, out var late);
        Assert.Null(await late.NextAsync(0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))); // made after the end: ends at once
    }

    [Fact]
    public void Recent_latency_percentiles_cover_the_last_frames_only()
    {
        var window = new LatencyWindow(100);
        Assert.Null(window.Percentiles());
        for (int i = 1; i <= 100; i++)
        {
            window.Add(i);
        }

        Assert.Equal((50.0, 99.0), window.Percentiles());
        for (int i = 0; i < 100; i++)
        {
            window.Add(1000);
        }

        Assert.Equal((1000.0, 1000.0), window.Percentiles()); // the old values are gone
    }

    [Fact]
    public void A_state_change_is_announced_once()
    {
        var stream = new StreamState(0, "cam", "cam", isLive: true);
        var seen = new List<StreamStatus>();
        stream.StatusChanged += s => seen.Add(s.Status);
        stream.Status = StreamStatus.Up;
        stream.Status = StreamStatus.Up;
        stream.Status = StreamStatus.Down;
        Assert.Equal([StreamStatus.Up, StreamStatus.Down], seen);
    }

    private static FramePacket Packet(string stream, long index)
    {
        var packet = new FramePacket(17) { Stream = new StreamState(0, stream, stream, isLive: true), FrameIndex = index, CapturedAt = Stopwatch.GetTimestamp() };
        using var image = new Mat(48, 64, MatType.CV_8UC3);
        image.CopyTo(packet.Image);
        return packet;
    }
}
