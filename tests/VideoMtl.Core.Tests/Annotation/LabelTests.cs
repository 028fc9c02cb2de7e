using OpenCvSharp;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Core.Tests.Annotation;

public sealed class LabelTests
{
    private static readonly ModelDescription Model = new()
    {
        Source = "synthetic",
        InputWidth = 640,
        InputHeight = 640,
        ClassNames = ["person", "bicycle", "car"],
        Anchors = 1,
    };

    [Fact]
    public void Two_labels_for_the_same_spot_do_not_overlap()
    {
        var layout = new LabelLayout();
        layout.Begin(768, 576);
        Assert.True(layout.TryPlace(100, 100, 160, 260, 90, 16, out var first));
        Assert.True(layout.TryPlace(104, 102, 166, 258, 90, 16, out var second));
        Assert.Equal(new LabelLayout.Placement(100, 84, 90, 16), first); // above the box, the usual spot
        Assert.False(first.Overlaps(second));
    }

    [Fact]
    public void A_label_at_the_frame_edge_stays_inside_the_frame()
    {
        var layout = new LabelLayout();
        layout.Begin(768, 576);
        Assert.True(layout.TryPlace(740, 0, 768, 80, 90, 16, out var spot)); // box at the top right corner
        Assert.InRange(spot.Left, 0, 768 - 90);
        Assert.InRange(spot.Top, 0, 576 - 16);
        Assert.False(layout.TryPlace(0, 0, 10, 10, 800, 16, out _)); // wider than the frame: no label
    }

    [Theory]
    [InlineData(768, 576)]
    [InlineData(1920, 1080)]
    public void A_crowd_gets_labels_that_never_overlap_or_leave_the_frame_and_stay_legible(int width, int height)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3);
        Images.Fill(image, BgrColor.Black);
        var detections = new Detections(0);
        var random = new Random(1);
        // 40 people in a tight group around the middle and along the edges, many boxes overlapping.
        for (int i = 0; i < 40; i++)
        {
            float w = width / 25f, h = height / 5f;
            float x = i % 4 == 0 ? width - w : (float)(random.NextDouble() * width / 3) + (width / 3f);
            float y = i % 5 == 0 ? 0 : (float)(random.NextDouble() * height / 3) + (height / 4f);
            int index = detections.Add(x, y, x + w, y + h, i % 3, 0.3f + (float)(random.NextDouble() * 0.6));
            detections.SetTrackId(index, i % 2 == 0 ? 100 + i : -1);
        }

        var annotator = new LabelAnnotator();
        annotator.Annotate(image, detections, Model);
        var placed = annotator.Layout.Placed;
        Assert.True(placed.Count >= 10, $"only {placed.Count} labels placed");
        for (int a = 0; a < placed.Count; a++)
        {
            var p = placed[a];
            Assert.True(p.Left >= 0 && p.Top >= 0 && p.Left + p.Width <= width && p.Top + p.Height <= height, $"{p} leaves the {width}x{height} frame");
            for (int b = a + 1; b < placed.Count; b++)
            {
                Assert.False(p.Overlaps(placed[b]), $"{p} overlaps {placed[b]}");
            }
        }

        // Legible: the label (text plus padding) takes about 3% of the frame height at any size, at least
        // 16 px at 576 lines, where the default font was already readable.
        int labelHeight = placed[0].Height;
        Assert.InRange(labelHeight / (double)height, 0.027, 0.05);
    }

    [Fact]
    public void A_tracked_object_shows_its_id_and_its_track_colour()
    {
        using var image = new Mat(240, 320, MatType.CV_8UC3);
        Images.Fill(image, BgrColor.Black);
        var detections = new Detections(0);
        int i = detections.Add(60, 80, 140, 220, 0, 0.9f);
        detections.SetTrackId(i, 7);
        AnnotatorChain.Default().Annotate(image, detections, Model);
        Assert.Equal(ColorPalette.For(7), ColorPalette.ForObject(detections, 0));
        Assert.NotEqual(ColorPalette.For(0), ColorPalette.For(7));
        // The box outline is drawn in the track's colour.
        Assert.Equal(ColorPalette.For(7), image.GetPixel(100, 80));

        var untracked = new Detections(0);
        untracked.Add(60, 80, 140, 220, 2, 0.9f);
        Assert.Equal(ColorPalette.For(2), ColorPalette.ForObject(untracked, 0));
    }
}
