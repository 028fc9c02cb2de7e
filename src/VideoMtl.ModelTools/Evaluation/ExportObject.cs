namespace VideoMtl.ModelTools.Evaluation;

/// <summary>One object found by a model: class, score, corner box in source pixels, keypoints as (x, y, score) triples (empty if none).</summary>
internal sealed record ExportObject(int ClassId, float Score, float X1, float Y1, float X2, float Y2, float[] Keypoints)
{
    public float Area => MathF.Max(0, X2 - X1) * MathF.Max(0, Y2 - Y1);
}
