namespace VideoMtl.Core.Results;

/// <summary>
/// A binary instance mask stored only over its box: <see cref="Width"/> × <see cref="Height"/> bytes
/// (row-major, 1 = inside) whose top-left pixel is (<see cref="Left"/>, <see cref="Top"/>) in the frame.
/// </summary>
public sealed class ObjectMask
{
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

    public int Left { get; }

    public int Top { get; }

    public int Width { get; }

    public int Height { get; }

    public byte[] Bits { get; }

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

    /// <summary>Whether frame pixel (x, y) is inside the mask.</summary>
    public bool Contains(int x, int y)
    {
        int lx = x - Left, ly = y - Top;
        return lx >= 0 && ly >= 0 && lx < Width && ly < Height && Bits[(ly * Width) + lx] != 0;
    }
}
