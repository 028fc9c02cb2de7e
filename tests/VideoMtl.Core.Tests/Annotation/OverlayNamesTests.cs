using OpenCvSharp;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;

namespace VideoMtl.Core.Tests.Annotation;

public sealed class OverlayNamesTests
{
    [Theory]
    [InlineData("masks,boxes", OverlaySet.Masks | OverlaySet.Boxes, "masks,boxes")]
    [InlineData(" Labels , skeletons ", OverlaySet.Labels | OverlaySet.Skeletons, "skeletons,labels")]
    [InlineData("all", OverlaySet.All, "all")]
    [InlineData("masks,boxes,skeletons,labels", OverlaySet.All, "all")]
    [InlineData("none", OverlaySet.None, "none")]
    [InlineData("", OverlaySet.None, "none")]
    public void Lists_parse_and_format_back(string text, OverlaySet expected, string formatted)
    {
        Assert.True(OverlayNames.TryParse(text, out var set, out var unknown));
        Assert.Null(unknown);
        Assert.Equal(expected, set);
        Assert.Equal(formatted, OverlayNames.Format(set));
    }

    [Fact]
    public void An_unknown_name_is_reported_as_written()
    {
        Assert.False(OverlayNames.TryParse("boxes,Halos", out _, out var unknown));
        Assert.Equal("Halos", unknown);
    }

    [Fact]
    public void A_chain_draws_only_its_overlays()
    {
        var model = new ModelDescription { Source = "synthetic", InputWidth = 640, InputHeight = 640, ClassNames = ["person"], Anchors = 1 };
        var detections = new Detections(0);
        detections.Add(10, 10, 50, 60, 0, 0.9f);
        using var blank = new Mat(80, 120, MatType.CV_8UC3, Scalar.All(0));
        using var none = blank.Clone();
        using var boxes = blank.Clone();
        using var boxesAndLabels = blank.Clone();
        AnnotatorChain.For(OverlaySet.None).Annotate(none, detections, model);
        AnnotatorChain.For(OverlaySet.Boxes).Annotate(boxes, detections, model);
        AnnotatorChain.For(OverlaySet.Boxes | OverlaySet.Labels).Annotate(boxesAndLabels, detections, model);
        Assert.Equal(0, Changed(blank, none));
        Assert.True(Changed(blank, boxes) > 0);
        Assert.True(Changed(boxes, boxesAndLabels) > 0, "the label adds pixels of its own");
    }

    private static int Changed(Mat a, Mat b)
    {
        using var difference = new Mat();
        Cv2.Absdiff(a, b, difference);
        using var gray = difference.CvtColor(ColorConversionCodes.BGR2GRAY);
        return Cv2.CountNonZero(gray);
    }
}
