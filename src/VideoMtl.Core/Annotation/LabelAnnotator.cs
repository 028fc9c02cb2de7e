using System.Globalization;
using OpenCvSharp;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>
/// Writes "#track class score" next to each box, in the object's colour, laid out by <see cref="LabelLayout"/>
/// so labels never cover each other or leave the frame (a crowded label loses its score, then its class name,
/// before it is left out). The font grows with the frame: the same share of the height at 576 and at 1080 lines.
/// </summary>
public sealed class LabelAnnotator : IAnnotator
{
    /// <summary>Font scale per line of frame height: 0.5 at 576 lines (about 12 px capitals), 0.94 at 1080.</summary>
    private const double ScalePerLine = 1 / 1150.0;

    private readonly double? _fixedScale;
    private readonly LabelLayout _layout = new();

    // Every text a label is made of is built once and kept: "class 0.00".."class 1.00" per class and score step,
    // class names, "#id" per track. Labels are drawn on every frame, and formatting them each time was the
    // overlay's only steady-state allocation. Track ids grow through a run, so that cache is bounded.
    private readonly Dictionary<int, string[]> _withScore = [];
    private readonly Dictionary<int, string> _ids = [];
    private readonly Dictionary<string, (int Width, int Height, int Baseline)> _sizes = new(ReferenceEqualityComparer.Instance);
    private int[] _order = new int[32];
    private double _sizesScale;

    /// <summary>Where the last frame's labels went (for tests).</summary>
    internal LabelLayout Layout => _layout;

    /// <param name="fontScale">A fixed font scale; null scales with the frame height.</param>
    public LabelAnnotator(double? fontScale = null)
    {
        _fixedScale = fontScale;
    }

    public void Annotate(Mat image, Detections detections, ModelDescription model)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(model);
        int rows = image.Rows, cols = image.Cols;
        double scale = _fixedScale ?? Math.Clamp(rows * ScalePerLine, 0.4, 3.0);
        int thickness = scale >= 0.8 ? 2 : 1;
        int pad = Math.Max(2, (int)Math.Round(3 * scale));
        if (scale != _sizesScale || _sizes.Count > 8192)
        {
            _sizes.Clear();
            _sizesScale = scale;
        }

        _layout.Begin(cols, rows);
        var order = OrderByScore(detections);
        for (int n = 0; n < order.Length; n++)
        {
            int i = order[n];
            int track = detections.TrackIds[i];
            int classId = detections.ClassIds[i];
            string? id = track >= 0 ? IdText(track) : null;
            var color = ColorPalette.ForObject(detections, i);
            var (x1, y1, x2, y2) = detections.GetBox(i);
            // Longest first: "#id class score", "#id class", "#id" (untracked: "class score", "class").
            for (int variant = 0; variant < 3; variant++)
            {
                string? body = variant switch
                {
                    0 => WithScore(model, classId, detections.Scores[i]),
                    1 => model.ClassName(classId),
                    _ => null,
                };
                if (id is null && body is null)
                {
                    break;
                }

                var (width, height, baseline, gap) = Measure(id, body, scale, thickness);
                if (_layout.TryPlace(x1, y1, x2, y2, width + (2 * pad), height + baseline + (2 * pad), out var spot))
                {
                    image.FillRectangle(spot.Left, spot.Top, spot.Width, spot.Height, color);
                    var ink = ColorPalette.TextOn(color);
                    int x = spot.Left + pad, y = spot.Top + pad + height;
                    if (id is not null)
                    {
                        image.DrawText(id, x, y, ink, scale, thickness);
                        x += Size(id, scale, thickness).Width + gap;
                    }

                    if (body is not null)
                    {
                        image.DrawText(body, x, y, ink, scale, thickness);
                    }

                    break;
                }
            }
        }
    }

    private (int Width, int Height, int Baseline, int Gap) Measure(string? id, string? body, double scale, int thickness)
    {
        int width = 0, height = 0, baseline = 0, gap = 0;
        if (id is not null)
        {
            var s = Size(id, scale, thickness);
            (width, height, baseline) = s;
        }

        if (body is not null)
        {
            var s = Size(body, scale, thickness);
            gap = id is null ? 0 : Math.Max(3, (int)Math.Round(6 * scale));
            width += gap + s.Width;
            height = Math.Max(height, s.Height);
            baseline = Math.Max(baseline, s.Baseline);
        }

        return (width, height, baseline, gap);
    }

    private (int Width, int Height, int Baseline) Size(string text, double scale, int thickness)
    {
        if (!_sizes.TryGetValue(text, out var size))
        {
            size = ImageDrawing.MeasureText(text, scale, thickness);
            _sizes[text] = size;
        }

        return size;
    }

    /// <summary>Indices of the objects, best score first (ties by index): the confident ones get the free spots.</summary>
    private ReadOnlySpan<int> OrderByScore(Detections detections)
    {
        int count = detections.Count;
        if (_order.Length < count)
        {
            _order = new int[Math.Max(count, 2 * _order.Length)];
        }

        var scores = detections.Scores;
        for (int i = 0; i < count; i++)
        {
            // Insertion sort: a frame holds tens of objects, and this needs no comparer delegate.
            int j = i;
            while (j > 0 && scores[_order[j - 1]] < scores[i])
            {
                _order[j] = _order[j - 1];
                j--;
            }

            _order[j] = i;
        }

        return _order.AsSpan(0, count);
    }

    private string IdText(int track)
    {
        if (!_ids.TryGetValue(track, out var text))
        {
            if (_ids.Count >= 4096)
            {
                _ids.Clear(); // old ids are long gone from view; the ones on screen come back at their next frame
            }

            text = string.Create(CultureInfo.InvariantCulture, $"#{track}");
            _ids[track] = text;
        }

        return text;
    }

    private string WithScore(ModelDescription model, int classId, float score)
    {
        if (!_withScore.TryGetValue(classId, out var byScore))
        {
            byScore = new string[101];
            _withScore[classId] = byScore;
        }

        int step = Math.Clamp((int)MathF.Round(score * 100), 0, 100);
        return byScore[step] ??= string.Create(CultureInfo.InvariantCulture, $"{model.ClassName(classId)} {step / 100.0:0.00}");
    }
}
