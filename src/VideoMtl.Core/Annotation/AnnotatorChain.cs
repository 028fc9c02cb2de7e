using OpenCvSharp;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Runs annotators in order (masks first, so boxes and labels stay readable on top).</summary>
public sealed class AnnotatorChain(params IAnnotator[] annotators) : IAnnotator
{
    /// <summary>Masks, boxes, skeletons, labels.</summary>
    public static AnnotatorChain Default() => For(OverlaySet.All);

    /// <summary>The annotators of <paramref name="overlays"/>, in the default's order; none draws nothing.</summary>
    public static AnnotatorChain For(OverlaySet overlays)
    {
        var chain = new List<IAnnotator>(4);
        if (overlays.HasFlag(OverlaySet.Masks))
        {
            chain.Add(new MaskAnnotator());
        }

        if (overlays.HasFlag(OverlaySet.Boxes))
        {
            chain.Add(new BoxAnnotator());
        }

        if (overlays.HasFlag(OverlaySet.Skeletons))
        {
            chain.Add(new SkeletonAnnotator());
        }

        if (overlays.HasFlag(OverlaySet.Labels))
        {
            chain.Add(new LabelAnnotator());
        }

        return new AnnotatorChain([.. chain]);
    }

    public void Annotate(Mat image, Detections detections, ModelDescription model)
    {
        foreach (var annotator in annotators)
        {
            annotator.Annotate(image, detections, model);
        }
    }
}
