namespace VideoMtl.Core.Decoding;

/// <summary>Greedy class-aware NMS: best score first; a box is dropped when it overlaps a kept box of its class by more than the IoU threshold.</summary>
public static class NonMaxSuppression
{
    private static readonly Comparison<BoxCandidate> ByScoreDescending = (a, b) => b.Score.CompareTo(a.Score);

    /// <summary>Sorts <paramref name="candidates"/> in place and fills <paramref name="kept"/> (best first).</summary>
    public static void Apply(List<BoxCandidate> candidates, float iouThreshold, int maxCandidates, int maxDetections, List<BoxCandidate> kept)
    {
        candidates.Sort(ByScoreDescending);
        int count = Math.Min(candidates.Count, maxCandidates);
        for (int i = 0; i < count && kept.Count < maxDetections; i++)
        {
            var candidate = candidates[i];
            bool suppressed = false;
            foreach (var k in kept)
            {
                if (k.ClassId == candidate.ClassId && BoxMath.IoU(k, candidate) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                kept.Add(candidate);
            }
        }
    }
}
