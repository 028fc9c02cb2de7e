namespace VideoMtl.Core.Results;

/// <summary>
/// A binary instance mask stored only over its box: <see cref="Width"/> × <see cref="Height"/> bytes
/// (row-major, 1 = inside) whose top-left pixel is (<see cref="Left"/>, <see cref="Top"/>) in the frame.
/// Masks owned by a <see cref="Detections"/> are reused for the next frame (their buffer only grows), so
/// <see cref="Bits"/> may be longer than Width × Height: read <see cref="Pixels"/>, or the first
/// Width × Height bytes.
/// </summary>
public sealed class ObjectMask
{
    private bool _pooled;

    public ObjectMask(int left, int top, int width, int height, byte[] bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        if (width < 0 || height < 0 || bits.Length < width * height)
        {
            throw new ArgumentException($"mask of {width}x{height} needs {width * height} bytes, got {bits.Length}");
        }

        Left = left;
        Top = top;
        Width = width;
        Height = height;
        Bits = bits;
    }

    public int Left { get; private set; }

    public int Top { get; private set; }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public byte[] Bits { get; private set; }

    /// <summary>The Width × Height mask bytes.</summary>
    public Span<byte> Pixels => Bits.AsSpan(0, Width * Height);

    /// <summary>Pixels inside the mask.</summary>
    public int Area
    {
        get
        {
            int area = 0;
            foreach (byte b in Bits.AsSpan(0, Width * Height))
            {
                area += b != 0 ? 1 : 0;
            }

            return area;
        }
    }

    /// <summary>
    /// Re-places a pooled mask for a new object with a buffer from the mask buffer pool; the content is
    /// undefined until written. Pooled buffers circulate between all frames' detections, so a frame whose
    /// objects are larger than this slot's last ones takes a returned buffer instead of a new one.
    /// </summary>
    internal void Reshape(int left, int top, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (Bits.Length < width * height)
        {
            ReleaseBuffer();
            Bits = MaskBufferPool.Rent(width * height);
            _pooled = true;
        }

        (Left, Top, Width, Height) = (left, top, width, height);
    }

    /// <summary>Gives a pooled buffer back (the mask is then empty); a caller-provided buffer is kept.</summary>
    internal void ReleaseBuffer()
    {
        if (_pooled)
        {
            MaskBufferPool.Return(Bits);
            Bits = [];
            _pooled = false;
            Width = Height = 0;
        }
    }

    /// <summary>Whether frame pixel (x, y) is inside the mask.</summary>
    public bool Contains(int x, int y)
    {
        int lx = x - Left, ly = y - Top;
        return lx >= 0 && ly >= 0 && lx < Width && ly < Height && Bits[(ly * Width) + lx] != 0;
    }
}
