namespace VideoMtl.Core.Decoding;

/// <summary>One anchor above the confidence threshold: its box in model-input pixels (x1, y1, x2, y2).</summary>
public readonly record struct BoxCandidate(int Anchor, int ClassId, float Score, float X1, float Y1, float X2, float Y2)
{
    public float Area => Math.Max(0, X2 - X1) * Math.Max(0, Y2 - Y1);
}
