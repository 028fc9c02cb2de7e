using OpenCvSharp;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Draws limbs between confident keypoints and a dot on each confident keypoint.</summary>
public sealed class SkeletonAnnotator(float minScore = 0.5f) : IAnnotator
{
    private static readonly BgrColor Limb = BgrColor.FromRgb(255, 160, 0);
    private static readonly BgrColor Joint = BgrColor.FromRgb(0, 255, 128);

    public void Annotate(Mat image, Detections detections, ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(model);
        for (int i = 0; i < detections.Count; i++)
        {
            var k = detections.GetKeypoints(i);
            if (k.IsEmpty)
            {
                continue;
            }

            foreach (var (a, b) in model.Skeleton)
            {
                if (k[(3 * a) + 2] >= minScore && k[(3 * b) + 2] >= minScore)
                {
                    image.DrawLine((int)k[3 * a], (int)k[(3 * a) + 1], (int)k[3 * b], (int)k[(3 * b) + 1], Limb, 2);
                }
            }

            for (int j = 0; j < k.Length; j += 3)
            {
                if (k[j + 2] >= minScore)
                {
                    image.DrawCircle((int)k[j], (int)k[j + 1], 3, Joint);
                }
            }
        }
    }
}
