using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>Overlay primitives drawn in place on an 8-bit BGR <see cref="ImageBuffer"/> (anti-aliased).</summary>
public static unsafe class ImageDrawing
{
    public static void DrawRectangle(this ImageBuffer image, int x1, int y1, int x2, int y2, BgrColor color, int thickness = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        NativeStatus.Check(NativeMethods.vm_draw_rectangle(image.Handle, x1, y1, x2, y2, VmColor.From(color), thickness));
    }

    public static void DrawLine(this ImageBuffer image, int x1, int y1, int x2, int y2, BgrColor color, int thickness = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        NativeStatus.Check(NativeMethods.vm_draw_line(image.Handle, x1, y1, x2, y2, VmColor.From(color), thickness));
    }

    /// <param name="thickness">Outline width, or -1 for a filled disc.</param>
    public static void DrawCircle(this ImageBuffer image, int cx, int cy, int radius, BgrColor color, int thickness = -1)
    {
        ArgumentNullException.ThrowIfNull(image);
        NativeStatus.Check(NativeMethods.vm_draw_circle(image.Handle, cx, cy, radius, VmColor.From(color), thickness));
    }

    /// <summary>Fills a polygon given as (x, y) pairs; opacity below 1 blends it over the image.</summary>
    public static void FillPolygon(this ImageBuffer image, ReadOnlySpan<(int X, int Y)> points, BgrColor color, float opacity = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<VmPoint> native = points.Length <= 64 ? stackalloc VmPoint[points.Length] : new VmPoint[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            native[i] = new VmPoint { X = points[i].X, Y = points[i].Y };
        }

        fixed (VmPoint* p = native)
        {
            NativeStatus.Check(NativeMethods.vm_draw_fill_poly(image.Handle, p, native.Length, VmColor.From(color, Alpha(opacity))));
        }
    }

    /// <summary>
    /// Blends <paramref name="color"/> wherever <paramref name="mask"/> (row-major, width × height, non-zero = inside)
    /// is set; the mask's top-left corner sits at (<paramref name="left"/>, <paramref name="top"/>) in the image.
    /// </summary>
    public static void BlendMask(
        this ImageBuffer image, ReadOnlySpan<byte> mask, int width, int height, int left, int top, BgrColor color, float opacity = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (mask.Length < width * height)
        {
            throw new ArgumentException($"mask has {mask.Length} bytes, {width}x{height} needs {width * height}", nameof(mask));
        }

        fixed (byte* m = mask)
        {
            NativeStatus.Check(NativeMethods.vm_draw_mask(image.Handle, m, width, height, left, top, VmColor.From(color, Alpha(opacity))));
        }
    }

    /// <summary>Draws text on a filled box whose lower-left corner is near (x, y); returns the box size.</summary>
    public static (int Width, int Height) DrawLabel(
        this ImageBuffer image, string text, int x, int y, BgrColor textColor, BgrColor background, double fontScale = 0.5, int thickness = 1)
    {
        ArgumentNullException.ThrowIfNull(image);
        NativeStatus.Check(NativeMethods.vm_draw_text(
            image.Handle, text, x, y, fontScale, thickness, VmColor.From(textColor), VmColor.From(background), out int w, out int h));
        return (w, h);
    }

    private static byte Alpha(float opacity) => (byte)Math.Clamp((int)MathF.Round(opacity * 255f), 0, 255);
}
