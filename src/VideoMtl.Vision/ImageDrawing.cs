using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>
/// Overlay primitives drawn in place on an 8-bit BGR frame <see cref="Mat"/>, anti-aliased like OpenCV's
/// <c>LINE_AA</c>. Translucent fills (masks, polygons) are blended here in one pass over the covered pixels,
/// which OpenCV has no single call for without a full-frame temporary.
/// </summary>
public static class ImageDrawing
{
    public static void DrawRectangle(this Mat image, int x1, int y1, int x2, int y2, BgrColor color, int thickness = 2)
    {
        RequireBgr(image);
        Cv2.Rectangle(image, new Point(x1, y1), new Point(x2, y2), color.ToScalar(), thickness, LineTypes.AntiAlias);
    }

    public static void DrawLine(this Mat image, int x1, int y1, int x2, int y2, BgrColor color, int thickness = 2)
    {
        RequireBgr(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thickness);
        Cv2.Line(image, new Point(x1, y1), new Point(x2, y2), color.ToScalar(), thickness, LineTypes.AntiAlias);
    }

    /// <param name="thickness">Outline width, or -1 for a filled disc.</param>
    public static void DrawCircle(this Mat image, int cx, int cy, int radius, BgrColor color, int thickness = -1)
    {
        RequireBgr(image);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        Cv2.Circle(image, new Point(cx, cy), radius, color.ToScalar(), thickness, LineTypes.AntiAlias);
    }

    /// <summary>Fills a polygon given as (x, y) pairs; opacity below 1 blends it over the image.</summary>
    public static void FillPolygon(this Mat image, ReadOnlySpan<(int X, int Y)> points, BgrColor color, float opacity = 1f)
    {
        RequireBgr(image);
        if (points.Length < 3)
        {
            throw new ArgumentException("a polygon needs at least 3 points", nameof(points));
        }

        var polygon = new Point[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            polygon[i] = new Point(points[i].X, points[i].Y);
        }

        byte alpha = Alpha(opacity);
        if (alpha == 255)
        {
            Cv2.FillPoly(image, [polygon], color.ToScalar(), LineTypes.AntiAlias);
            return;
        }

        // Rasterised into a mask the size of its bounding box, then blended there: the rest of the frame is untouched.
        var box = Cv2.BoundingRect(polygon) & new Rect(0, 0, image.Cols, image.Rows);
        if (box.Width <= 0 || box.Height <= 0)
        {
            return;
        }

        using var mask = new Mat(box.Height, box.Width, MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillPoly(mask, [polygon], Scalar.All(255), LineTypes.Link8, 0, new Point(-box.X, -box.Y));
        Blend(image, mask.Pixels(), box.Width, box.Height, box.X, box.Y, color, alpha);
    }

    /// <summary>
    /// Blends <paramref name="color"/> wherever <paramref name="mask"/> (row-major, width × height, non-zero = inside)
    /// is set; the mask's top-left corner sits at (<paramref name="left"/>, <paramref name="top"/>) in the image.
    /// </summary>
    public static void BlendMask(
        this Mat image, ReadOnlySpan<byte> mask, int width, int height, int left, int top, BgrColor color, float opacity = 0.5f)
    {
        RequireBgr(image);
        if (width <= 0 || height <= 0 || mask.Length < width * height)
        {
            throw new ArgumentException($"mask has {mask.Length} bytes, {width}x{height} needs {width * height}", nameof(mask));
        }

        Blend(image, mask, width, height, left, top, color, Alpha(opacity));
    }

    /// <summary>Draws text on a filled box whose lower-left corner is near (x, y); returns the box size.</summary>
    public static (int Width, int Height) DrawLabel(
        this Mat image, string text, int x, int y, BgrColor textColor, BgrColor background, double fontScale = 0.5, int thickness = 1)
    {
        RequireBgr(image);
        ArgumentNullException.ThrowIfNull(text);
        if (fontScale <= 0 || thickness <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fontScale), "font scale and thickness must be positive");
        }

        var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, fontScale, thickness, out int baseline);
        int pad = Math.Max(1, thickness);
        int boxWidth = size.Width + (2 * pad);
        int boxHeight = size.Height + baseline + (2 * pad);
        // Keep the label on screen: a box that would start above the frame moves below the anchor.
        int boxTop = y - size.Height - (2 * pad);
        if (boxTop < 0)
        {
            boxTop = Math.Min(y, Math.Max(0, image.Rows - boxHeight));
        }

        int boxLeft = Math.Clamp(x, 0, Math.Max(0, image.Cols - boxWidth));
        Cv2.Rectangle(image, new Rect(boxLeft, boxTop, boxWidth, boxHeight), background.ToScalar(), -1);
        Cv2.PutText(image, text, new Point(boxLeft + pad, boxTop + pad + size.Height), HersheyFonts.HersheySimplex, fontScale,
            textColor.ToScalar(), thickness, LineTypes.AntiAlias);
        return (boxWidth, boxHeight);
    }

    /// <summary>The size of <paramref name="text"/> in the label font: width, height above the baseline, and the depth below it.</summary>
    public static (int Width, int Height, int Baseline) MeasureText(string text, double fontScale, int thickness)
    {
        ArgumentNullException.ThrowIfNull(text);
        var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, fontScale, thickness, out int baseline);
        return (size.Width, size.Height, baseline);
    }

    /// <summary>Writes <paramref name="text"/> in the label font with its baseline's left end at (x, y).</summary>
    public static void DrawText(this Mat image, string text, int x, int y, BgrColor color, double fontScale, int thickness)
    {
        RequireBgr(image);
        ArgumentNullException.ThrowIfNull(text);
        Cv2.PutText(image, text, new Point(x, y), HersheyFonts.HersheySimplex, fontScale, color.ToScalar(), thickness, LineTypes.AntiAlias);
    }

    /// <summary>Fills the rectangle from (x, y), <paramref name="width"/> × <paramref name="height"/>, with one colour.</summary>
    public static void FillRectangle(this Mat image, int x, int y, int width, int height, BgrColor color)
    {
        RequireBgr(image);
        Cv2.Rectangle(image, new Rect(x, y, width, height), color.ToScalar(), -1);
    }

    private static void Blend(Mat image, ReadOnlySpan<byte> mask, int width, int height, int left, int top, BgrColor color, byte alpha)
    {
        int x0 = Math.Max(0, left);
        int y0 = Math.Max(0, top);
        int x1 = Math.Min(image.Cols, left + width);
        int y1 = Math.Min(image.Rows, top + height);
        if (x0 >= x1 || y0 >= y1)
        {
            return;
        }

        int a = alpha;
        int keep = 255 - a;
        int b = color.B * a, g = color.G * a, r = color.R * a;
        // The pixels and the row step are read once: each Mat property is a native call, and GetRow per row
        // made seven of them for every row of every mask.
        var pixels = image.Pixels();
        int step = (int)image.Step();
        for (int y = y0; y < y1; y++)
        {
            var row = pixels.Slice((y * step) + (x0 * 3), (x1 - x0) * 3);
            var inside = mask.Slice(((y - top) * width) + (x0 - left), x1 - x0);
            for (int x = 0; x < inside.Length; x++)
            {
                if (inside[x] == 0)
                {
                    continue;
                }

                int p = x * 3;
                // Rounded, so that half of 255 over black is 128 as OpenCV's addWeighted gives.
                row[p] = (byte)(((row[p] * keep) + b + 127) / 255);
                row[p + 1] = (byte)(((row[p + 1] * keep) + g + 127) / 255);
                row[p + 2] = (byte)(((row[p + 2] * keep) + r + 127) / 255);
            }
        }
    }

    private static void RequireBgr(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty() || image.Type() != MatType.CV_8UC3)
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, "drawing needs a non-empty 8-bit 3-channel BGR image");
        }
    }

    private static byte Alpha(float opacity) => (byte)Math.Clamp((int)MathF.Round(opacity * 255f), 0, 255);
}
