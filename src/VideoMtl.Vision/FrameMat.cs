using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>
/// What the pipeline does with a frame <see cref="Mat"/> beyond OpenCvSharp's own API: size it as BGR in
/// place, reach its pixel rows as spans, fit it into another size. Frames are continuous 8-bit BGR Mats the
/// pipeline allocated itself (capture, ffmpeg reader, image loader), which is what the row access relies on.
/// </summary>
public static class FrameMat
{
    /// <summary>Makes <paramref name="frame"/> a <paramref name="width"/> × <paramref name="height"/> BGR image,
    /// keeping its buffer when it already is one (contents undefined after a change).</summary>
    public static void EnsureBgr(this Mat frame, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        frame.Create(height, width, MatType.CV_8UC3); // a no-op when size and type already match
    }

    /// <summary>
    /// The bytes of row <paramref name="y"/> (BGR interleaved). Valid until the Mat is written into again
    /// (a read or <see cref="EnsureBgr"/> may move its buffer) or disposed: do not keep it across those.
    /// </summary>
    public static Span<byte> GetRow(this Mat image, int y)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, image.Rows);
        int row = image.Cols * image.Channels();
        return Pixels(image).Slice(checked(y * (int)image.Step()), row);
    }

    /// <summary>All pixel bytes of a continuous 8-bit image, rows one after another.</summary>
    public static Span<byte> Pixels(this Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Depth() != MatType.CV_8U)
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, $"expected an 8-bit image, got {image.Type()}");
        }

        if (!image.IsContinuous())
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, "the image is a region of a larger one; copy it into its own Mat first");
        }

        return image.AsSpan<byte>();
    }

    /// <summary>The pixel at (x, y) as BGR (the first channel repeated for grayscale images).</summary>
    public static BgrColor GetPixel(this Mat image, int x, int y)
    {
        var row = image.GetRow(y);
        int channels = image.Channels();
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, image.Cols);
        return channels == 1
            ? new BgrColor(row[x], row[x], row[x])
            : new BgrColor(row[x * channels], row[(x * channels) + 1], row[(x * channels) + 2]);
    }

    /// <summary>Scales <paramref name="source"/> to fit <paramref name="width"/> × <paramref name="height"/> (aspect
    /// kept, black borders) into <paramref name="destination"/>, as 8-bit BGR. The two may be the same Mat.</summary>
    public static void FitInto(this Mat source, Mat destination, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (source.Empty())
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, "source image is empty");
        }

        using var bgr = ToBgr(source);
        var placed = LetterboxGeometry.Compute(bgr.Cols, bgr.Rows, width, height);
        // Resized into a temporary first, so the destination may be the source (Create may reallocate it).
        using var resized = new Mat();
        Cv2.Resize(bgr, resized, new Size(placed.ResizedWidth, placed.ResizedHeight), 0, 0,
            placed.Scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);
        destination.Create(height, width, MatType.CV_8UC3);
        destination.SetTo(Scalar.All(0));
        using var target = new Mat(destination, new Rect(placed.PadLeft, placed.PadTop, placed.ResizedWidth, placed.ResizedHeight));
        resized.CopyTo(target);
    }

    /// <summary>A BGR view or copy of an 8-bit 1-, 3- or 4-channel image (the caller disposes it).</summary>
    internal static Mat ToBgr(Mat source)
    {
        switch (source.Channels())
        {
            case 3:
                return new Mat(source, new Rect(0, 0, source.Cols, source.Rows));
            case 1:
            case 4:
                var bgr = new Mat();
                Cv2.CvtColor(source, bgr, source.Channels() == 1 ? ColorConversionCodes.GRAY2BGR : ColorConversionCodes.BGRA2BGR);
                return bgr;
            default:
                throw new VisionException(VisionErrorKind.InvalidArgument, $"expected 1, 3 or 4 channels, got {source.Channels()}");
        }
    }
}
