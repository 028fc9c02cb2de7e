using System.Globalization;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Writes "class score" (and "#track") above each box on a box in the class colour.</summary>
public sealed class LabelAnnotator(double fontScale = 0.5) : IAnnotator
{
    public void Annotate(ImageBuffer image, Detections detections, ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(model);
        for (int i = 0; i < detections.Count; i++)
        {
            var (x1, y1, _, _) = detections.GetBox(i);
            int track = detections.TrackIds[i];
            string text = string.Create(CultureInfo.InvariantCulture, $"{model.ClassName(detections.ClassIds[i])} {detections.Scores[i]:0.00}{(track >= 0 ? $" #{track}" : string.Empty)}");
            var color = ColorPalette.For(detections.ClassIds[i]);
            image.DrawLabel(text, (int)x1, (int)y1, ColorPalette.TextOn(color), color, fontScale);
        }
    }
}
