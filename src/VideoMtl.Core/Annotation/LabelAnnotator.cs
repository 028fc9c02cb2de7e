using OpenCvSharp;
using System.Globalization;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>Writes "class score" (and "#track") above each box on a box in the class colour.</summary>
public sealed class LabelAnnotator(double fontScale = 0.5) : IAnnotator
{
    // "class 0.00".."class 1.00" are made once per class and score step: labels are drawn on every
    // frame, and formatting them each time was the overlay's only steady-state allocation.
    private readonly Dictionary<int, string[]> _labels = [];

    public void Annotate(Mat image, Detections detections, ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(model);
        for (int i = 0; i < detections.Count; i++)
        {
            var (x1, y1, _, _) = detections.GetBox(i);
            int track = detections.TrackIds[i];
            string text = Label(model, detections.ClassIds[i], detections.Scores[i]);
            if (track >= 0)
            {
                text = string.Create(CultureInfo.InvariantCulture, $"{text} #{track}");
            }

            var color = ColorPalette.For(detections.ClassIds[i]);
            image.DrawLabel(text, (int)x1, (int)y1, ColorPalette.TextOn(color), color, fontScale);
        }
    }

    private string Label(ModelDescription model, int classId, float score)
    {
        if (!_labels.TryGetValue(classId, out var byScore))
        {
            byScore = new string[101];
            _labels[classId] = byScore;
        }

        int step = Math.Clamp((int)MathF.Round(score * 100), 0, 100);
        return byScore[step] ??= string.Create(CultureInfo.InvariantCulture, $"{model.ClassName(classId)} {step / 100.0:0.00}");
    }
}
