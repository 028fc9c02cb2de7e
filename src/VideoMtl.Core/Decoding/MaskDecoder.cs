using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Decoding;

/// <summary>
/// Instance masks from prototype masks: mask = sigmoid(coefficients · prototypes), sampled bilinearly at
/// each source pixel inside the object's box and kept where it exceeds 0.5. Only the prototype cells
/// under the box are computed, and only source pixels inside the box are visited.
/// </summary>
public sealed class MaskDecoder
{
    private float[] _probabilities = [];

    /// <summary>Decodes into a new mask (tests, one-off use); the pipeline decodes into pooled masks.</summary>
    public ObjectMask Decode(
        ReadOnlySpan<float> prototypes, int protoWidth, int protoHeight, ReadOnlySpan<float> coefficients,
        (float X1, float Y1, float X2, float Y2) box, LetterboxGeometry geometry, int inputWidth, int inputHeight)
    {
        var (left, top, width, height) = Bounds(box);
        var mask = new ObjectMask(left, top, width, height, new byte[width * height]);
        Decode(prototypes, protoWidth, protoHeight, coefficients, geometry, inputWidth, inputHeight, mask);
        return mask;
    }

    /// <summary>Decodes object <paramref name="index"/>'s mask into the reusable mask of its slot in <paramref name="into"/>.</summary>
    public ObjectMask Decode(
        ReadOnlySpan<float> prototypes, int protoWidth, int protoHeight, ReadOnlySpan<float> coefficients,
        LetterboxGeometry geometry, int inputWidth, int inputHeight, Detections into, int index)
    {
        ArgumentNullException.ThrowIfNull(into);
        var (left, top, width, height) = Bounds(into.GetBox(index));
        var mask = into.RentMask(index, left, top, width, height);
        Decode(prototypes, protoWidth, protoHeight, coefficients, geometry, inputWidth, inputHeight, mask);
        return mask;
    }

    /// <summary>The whole pixels covered by a box in source pixels (already clipped to the frame).</summary>
    private static (int Left, int Top, int Width, int Height) Bounds((float X1, float Y1, float X2, float Y2) box)
    {
        int left = (int)MathF.Floor(box.X1), top = (int)MathF.Floor(box.Y1);
        int right = (int)MathF.Ceiling(box.X2), bottom = (int)MathF.Ceiling(box.Y2);
        return (left, top, Math.Max(0, right - left), Math.Max(0, bottom - top));
    }

    /// <param name="prototypes">One image's prototypes: [coefficients, protoHeight, protoWidth].</param>
    /// <param name="coefficients">The object's mask coefficients (one per prototype).</param>
    /// <param name="mask">Placed over the object's box; every one of its pixels is written.</param>
    private void Decode(
        ReadOnlySpan<float> prototypes, int protoWidth, int protoHeight, ReadOnlySpan<float> coefficients,
        LetterboxGeometry geometry, int inputWidth, int inputHeight, ObjectMask mask)
    {
        int left = mask.Left, top = mask.Top, width = mask.Width, height = mask.Height;
        int right = left + width, bottom = top + height;
        var bits = mask.Pixels;
        if (width == 0 || height == 0)
        {
            return;
        }

        // Source pixel centre → model input → prototype grid (cell centres at (i + 0.5) · stride).
        float strideX = (float)inputWidth / protoWidth, strideY = (float)inputHeight / protoHeight;
        float ToProtoX(float x) => (((x * geometry.Scale) + geometry.PadLeft) / strideX) - 0.5f;
        float ToProtoY(float y) => (((y * geometry.Scale) + geometry.PadTop) / strideY) - 0.5f;

        int px0 = Math.Clamp((int)MathF.Floor(ToProtoX(left + 0.5f)), 0, protoWidth - 1);
        int px1 = Math.Clamp((int)MathF.Floor(ToProtoX(right - 0.5f)) + 1, 0, protoWidth - 1);
        int py0 = Math.Clamp((int)MathF.Floor(ToProtoY(top + 0.5f)), 0, protoHeight - 1);
        int py1 = Math.Clamp((int)MathF.Floor(ToProtoY(bottom - 0.5f)) + 1, 0, protoHeight - 1);
        int gw = px1 - px0 + 1, gh = py1 - py0 + 1;
        if (_probabilities.Length < gw * gh)
        {
            _probabilities = new float[gw * gh];
        }

        var grid = _probabilities.AsSpan(0, gw * gh);
        grid.Clear();
        int plane = protoWidth * protoHeight;
        for (int k = 0; k < coefficients.Length; k++)
        {
            float c = coefficients[k];
            var proto = prototypes.Slice(k * plane, plane);
            for (int y = 0; y < gh; y++)
            {
                var src = proto.Slice(((py0 + y) * protoWidth) + px0, gw);
                var dst = grid.Slice(y * gw, gw);
                for (int x = 0; x < gw; x++)
                {
                    dst[x] += c * src[x];
                }
            }
        }

        for (int i = 0; i < grid.Length; i++)
        {
            grid[i] = 1f / (1f + MathF.Exp(-grid[i]));
        }

        for (int y = 0; y < height; y++)
        {
            float fy = Math.Clamp(ToProtoY(top + y + 0.5f) - py0, 0, gh - 1);
            int y0 = (int)fy;
            int y1 = Math.Min(y0 + 1, gh - 1);
            float wy = fy - y0;
            for (int x = 0; x < width; x++)
            {
                float fx = Math.Clamp(ToProtoX(left + x + 0.5f) - px0, 0, gw - 1);
                int x0 = (int)fx;
                int x1 = Math.Min(x0 + 1, gw - 1);
                float wx = fx - x0;
                float p = ((1 - wy) * (((1 - wx) * grid[(y0 * gw) + x0]) + (wx * grid[(y0 * gw) + x1])))
                    + (wy * (((1 - wx) * grid[(y1 * gw) + x0]) + (wx * grid[(y1 * gw) + x1])));
                bits[(y * width) + x] = p > 0.5f ? (byte)1 : (byte)0;
            }
        }
    }
}
