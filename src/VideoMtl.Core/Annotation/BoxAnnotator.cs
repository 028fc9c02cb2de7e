using OpenCvSharp;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Outlines each object's box in its colour (its track's, else its class's).</summary>
public sealed class BoxAnnotator(int thickness = 2) : IAnnotator
{
    public void Annotate(Mat image, Detections detections, ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(detections);
        for (int i = 0; i < detections.Count; i++)
        {
            var (x1, y1, x2, y2) = detections.GetBox(i);
            image.DrawRectangle((int)x1, (int)y1, (int)x2, (int)y2, ColorPalette.ForObject(detections, i), thickness);
        }
    }
}
