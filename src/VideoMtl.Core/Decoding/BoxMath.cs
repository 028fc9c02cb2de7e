namespace VideoMtl.Core.Decoding;

/// <summary>Intersection over union of axis-aligned boxes given as corners.</summary>
public static class BoxMath
{
    public static float IoU(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2)
    {
        float iw = MathF.Min(ax2, bx2) - MathF.Max(ax1, bx1);
        float ih = MathF.Min(ay2, by2) - MathF.Max(ay1, by1);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }

        float intersection = iw * ih;
        float union = (MathF.Max(0, ax2 - ax1) * MathF.Max(0, ay2 - ay1)) + (MathF.Max(0, bx2 - bx1) * MathF.Max(0, by2 - by1)) - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    public static float IoU(in BoxCandidate a, in BoxCandidate b) => IoU(a.X1, a.Y1, a.X2, a.Y2, b.X1, b.Y1, b.X2, b.Y2);
}
