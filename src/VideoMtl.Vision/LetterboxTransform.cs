using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>
/// Letterbox resize + BGR→RGB + HWC→CHW + scaling to [0,1], written straight into a caller-owned tensor:
/// OpenCV resizes into a scratch Mat, then one pass turns its bytes into the three float planes through a
/// 256-entry table. Thread-safe: the scratch Mats are per thread (each preprocess worker keeps its own, so
/// the steady state allocates no pixels).
/// </summary>
public sealed class LetterboxTransform
{
    [ThreadStatic]
    private static Mat? t_resized;

    [ThreadStatic]
    private static Mat? t_converted;

    private readonly float[] _table = new float[256];

    public LetterboxTransform(int width, int height, byte padValue = 114, float scale = 1f / 255f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        PadValue = padValue;
        Scale = scale;
        for (int i = 0; i < _table.Length; i++)
        {
            _table[i] = i * scale;
        }
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Grey of the padding bars (114 like Ultralytics' training letterbox).</summary>
    public byte PadValue { get; }

    public float Scale { get; }

    /// <summary>Floats one image occupies in the tensor: 3 × height × width.</summary>
    public int TensorLength => 3 * Width * Height;

    /// <summary>Fills <paramref name="tensor"/> (at least <see cref="TensorLength"/> floats, e.g. one batch slot).</summary>
    public LetterboxGeometry Apply(Mat image, Span<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (tensor.Length < TensorLength)
        {
            throw new ArgumentException($"tensor slot holds {tensor.Length} floats but {TensorLength} are needed", nameof(tensor));
        }

        if (image.Empty() || image.Depth() != MatType.CV_8U)
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, "letterbox needs a non-empty 8-bit image");
        }

        var source = image;
        if (image.Channels() != 3 || !image.IsContinuous())
        {
            // Grey, BGRA or a region of a larger image: made into a continuous BGR copy first.
            source = t_converted ??= new Mat();
            using var bgr = FrameMat.ToBgr(image);
            bgr.CopyTo(source);
        }

        var placed = LetterboxGeometry.Compute(source.Cols, source.Rows, Width, Height);
        var pixels = source;
        if (placed.ResizedWidth != source.Cols || placed.ResizedHeight != source.Rows)
        {
            pixels = t_resized ??= new Mat();
            Cv2.Resize(source, pixels, new Size(placed.ResizedWidth, placed.ResizedHeight), 0, 0, InterpolationFlags.Linear);
        }

        Fill(pixels.Pixels(), (int)pixels.Step(), placed, tensor[..TensorLength]);
        return placed;
    }

    /// <summary>Interleaved BGR bytes of the resized image → planar RGB floats with grey bars around them.</summary>
    private void Fill(ReadOnlySpan<byte> bytes, int step, LetterboxGeometry placed, Span<float> tensor)
    {
        var table = _table.AsSpan();
        float pad = table[PadValue];
        int plane = Width * Height;
        var red = tensor[..plane];
        var green = tensor.Slice(plane, plane);
        var blue = tensor.Slice(2 * plane, plane);
        int left = placed.PadLeft;
        int width = placed.ResizedWidth;
        int right = Width - left - width;
        for (int y = 0; y < Height; y++)
        {
            int row = y * Width;
            int sy = y - placed.PadTop;
            if (sy < 0 || sy >= placed.ResizedHeight)
            {
                red.Slice(row, Width).Fill(pad);
                green.Slice(row, Width).Fill(pad);
                blue.Slice(row, Width).Fill(pad);
                continue;
            }

            red.Slice(row, left).Fill(pad);
            green.Slice(row, left).Fill(pad);
            blue.Slice(row, left).Fill(pad);
            red.Slice(row + left + width, right).Fill(pad);
            green.Slice(row + left + width, right).Fill(pad);
            blue.Slice(row + left + width, right).Fill(pad);

            var source = bytes.Slice(sy * step, width * 3);
            var r = red.Slice(row + left, width);
            var g = green.Slice(row + left, width);
            var b = blue.Slice(row + left, width);
            for (int x = 0, p = 0; x < b.Length && p + 2 < source.Length; x++, p += 3)
            {
                b[x] = table[source[p]];
                g[x] = table[source[p + 1]];
                r[x] = table[source[p + 2]];
            }
        }
    }
}
