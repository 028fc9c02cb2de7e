using OpenCvSharp;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Draws one aspect of a frame's detections onto the frame (in place).</summary>
public interface IAnnotator
{
    void Annotate(Mat image, Detections detections, ModelDescription model);
}
