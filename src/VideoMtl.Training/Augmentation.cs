using OpenCvSharp;

namespace VideoMtl.Training;

/// <summary>
/// Views of a training frame that the teacher labels afresh (distillation needs no labels, so any view is
/// consistent): the frame, its mirror image, and random views that zoom in (a crop) or out (the frame smaller on
/// a grey canvas, as the letterbox pads), shift, change brightness, contrast and saturation, and mirror half the
/// time. People in view then come at more sizes, places and lighting than one camera's footage shows.
/// </summary>
public static class Augmentation
{
    /// <summary>The views of <paramref name="frame"/>: itself, mirrored (if asked), then <paramref name="random"/> random views; the caller disposes them.</summary>
    public static IEnumerable<Mat> Views(Mat frame, bool mirror, int random, Random rng)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(rng);
        yield return frame.Clone();
        if (mirror)
        {
            yield return frame.Flip(FlipMode.Y);
        }

        for (int i = 0; i < random; i++)
        {
            yield return RandomView(frame, rng);
        }
    }

    internal static Mat RandomView(Mat frame, Random rng)
    {
        // Zoom: 0.55..1 of the frame's side (a crop, people larger) or up to 1.5 (a canvas, people smaller).
        double zoom = rng.NextDouble() < 0.6 ? 0.55 + (0.45 * rng.NextDouble()) : 1 + (0.5 * rng.NextDouble());
        int width = Math.Max(32, (int)(frame.Cols * zoom)), height = Math.Max(32, (int)(frame.Rows * zoom));
        var view = new Mat(height, width, MatType.CV_8UC3, new Scalar(114, 114, 114));
        if (zoom <= 1)
        {
            int x = rng.Next(frame.Cols - width + 1), y = rng.Next(frame.Rows - height + 1);
            using var crop = new Mat(frame, new Rect(x, y, width, height));
            crop.CopyTo(view);
        }
        else
        {
            int x = rng.Next(width - frame.Cols + 1), y = rng.Next(height - frame.Rows + 1);
            using var place = new Mat(view, new Rect(x, y, frame.Cols, frame.Rows));
            frame.CopyTo(place);
        }

        if (rng.NextDouble() < 0.5)
        {
            Cv2.Flip(view, view, FlipMode.Y);
        }

        // Colour: contrast 0.7..1.3, brightness ±30, saturation 0.6..1.4.
        view.ConvertTo(view, -1, 0.7 + (0.6 * rng.NextDouble()), (rng.NextDouble() - 0.5) * 60);
        using var hsv = new Mat();
        Cv2.CvtColor(view, hsv, ColorConversionCodes.BGR2HSV);
        using (var saturation = hsv.ExtractChannel(1))
        {
            saturation.ConvertTo(saturation, -1, 0.6 + (0.8 * rng.NextDouble()));
            Cv2.InsertChannel(saturation, hsv, 1);
        }

        Cv2.CvtColor(hsv, view, ColorConversionCodes.HSV2BGR);
        return view;
    }
}
