namespace VideoMtl.ModelTools.Evaluation;

/// <summary>
/// COCO's object keypoint similarity: the mean over the reference's visible keypoints of
/// exp(−d² / (2·s²·k²)), with d the distance between the two keypoints, s² the object's area and k = 2σ the
/// keypoint's own tolerance (COCO's σ: tight for eyes and nose, loose for hips). The area is the reference box's
/// times 0.53, the usual stand-in for the segment area when only a box is known.
/// </summary>
public static class KeypointSimilarity
{
    /// <summary>COCO's per-keypoint σ, in COCO order (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles).</summary>
    public static readonly float[] CocoSigmas =
        [0.026f, 0.025f, 0.025f, 0.035f, 0.035f, 0.079f, 0.079f, 0.072f, 0.072f, 0.062f, 0.062f, 0.107f, 0.107f, 0.087f, 0.087f, 0.089f, 0.089f];

    /// <summary>Share of a box's area taken as the object's area.</summary>
    public const float BoxAreaFactor = 0.53f;

    /// <param name="reference">(x, y, score) per keypoint; a keypoint counts when its score is at least <paramref name="visible"/>.</param>
    /// <returns>The similarity in [0, 1], or null when the reference shows no keypoint.</returns>
    public static double? Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate, float boxArea, float visible = 0.5f)
    {
        if (reference.Length != candidate.Length || reference.Length % 3 != 0)
        {
            throw new ArgumentException($"keypoint sets differ in size: {reference.Length} and {candidate.Length} values");
        }

        int count = reference.Length / 3;
        double area = Math.Max(boxArea * BoxAreaFactor, 1e-6);
        double sum = 0;
        int used = 0;
        for (int k = 0; k < count; k++)
        {
            if (reference[(3 * k) + 2] < visible)
            {
                continue;
            }

            double dx = reference[3 * k] - candidate[3 * k];
            double dy = reference[(3 * k) + 1] - candidate[(3 * k) + 1];
            double tolerance = 2 * Sigma(k, count);
            sum += Math.Exp(-((dx * dx) + (dy * dy)) / (2 * area * tolerance * tolerance));
            used++;
        }

        return used == 0 ? null : sum / used;
    }

    /// <summary>COCO's σ for the 17 COCO keypoints; other layouts use the mean of COCO's.</summary>
    private static double Sigma(int keypoint, int count) => count == CocoSigmas.Length ? CocoSigmas[keypoint] : 0.0663;
}
