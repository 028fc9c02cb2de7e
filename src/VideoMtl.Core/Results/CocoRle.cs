namespace VideoMtl.Core.Results;

/// <summary>
/// Uncompressed COCO run-length encoding (what pycocotools' frPyObjects reads from {"size":[h,w],"counts":[...]}):
/// pixels in column-major order, run lengths alternating 0s and 1s, starting with a (possibly empty) run of 0s.
/// </summary>
public static class CocoRle
{
    /// <summary>Encodes a box-local mask placed in a frame of the given size into <paramref name="counts"/>.</summary>
    public static void Encode(ObjectMask mask, int frameWidth, int frameHeight, List<int> counts)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(counts);
        counts.Clear();
        int run = 0;
        bool current = false; // runs start with zeros
        int x0 = Math.Max(0, mask.Left), x1 = Math.Min(frameWidth, mask.Left + mask.Width);
        int y0 = Math.Max(0, mask.Top), y1 = Math.Min(frameHeight, mask.Top + mask.Height);
        for (int x = 0; x < frameWidth; x++)
        {
            if (x < x0 || x >= x1 || y0 >= y1)
            {
                Extend(false, frameHeight);
                continue;
            }

            Extend(false, y0);
            for (int y = y0; y < y1; y++)
            {
                Extend(mask.Bits[((y - mask.Top) * mask.Width) + (x - mask.Left)] != 0, 1);
            }

            Extend(false, frameHeight - y1);
        }

        counts.Add(run);

        void Extend(bool value, int length)
        {
            if (length <= 0)
            {
                return;
            }

            if (value != current)
            {
                counts.Add(run);
                run = 0;
                current = value;
            }

            run += length;
        }
    }

    /// <summary>Decodes counts to a full-frame row-major bitmap (1 = inside).</summary>
    public static byte[] Decode(IReadOnlyList<int> counts, int frameWidth, int frameHeight)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var bits = new byte[frameWidth * frameHeight];
        int position = 0;
        for (int i = 0; i < counts.Count; i++)
        {
            if (counts[i] < 0 || position + counts[i] > bits.Length)
            {
                throw new ArgumentException("RLE counts do not fit the frame size");
            }

            if (i % 2 == 1)
            {
                for (int p = position; p < position + counts[i]; p++)
                {
                    bits[((p % frameHeight) * frameWidth) + (p / frameHeight)] = 1;
                }
            }

            position += counts[i];
        }

        return position == bits.Length ? bits : throw new ArgumentException($"RLE counts cover {position} pixels, the frame has {bits.Length}");
    }

    /// <summary>Pixels inside: the sum of the odd runs.</summary>
    public static long Area(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        long area = 0;
        for (int i = 1; i < counts.Count; i += 2)
        {
            area += counts[i];
        }

        return area;
    }
}
