using OpenCvSharp;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Blends each object's mask in its colour (its track's, else its class's).</summary>
public sealed class MaskAnnotator(float opacity = 0.45f) : IAnnotator
{
    public void Annotate(Mat image, Detections detections, ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(detections);
        for (int i = 0; i < detections.Count; i++)
        {
            if (detections.GetMask(i) is { Width: > 0, Height: > 0 } mask)
            {
                image.BlendMask(mask.Bits, mask.Width, mask.Height, mask.Left, mask.Top, ColorPalette.ForObject(detections, i), opacity);
            }
        }
    }
}
