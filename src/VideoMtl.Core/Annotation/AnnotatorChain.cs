using OpenCvSharp;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Runs annotators in order (masks first, so boxes and labels stay readable on top).</summary>
public sealed class AnnotatorChain(params IAnnotator[] annotators) : IAnnotator
{
    /// <summary>Masks, boxes, skeletons, labels.</summary>
    public static AnnotatorChain Default() => new(new MaskAnnotator(), new BoxAnnotator(), new SkeletonAnnotator(), new LabelAnnotator());

    public void Annotate(Mat image, Detections detections, ModelDescription model)
    {
        foreach (var annotator in annotators)
        {
            annotator.Annotate(image, detections, model);
        }
    }
}
