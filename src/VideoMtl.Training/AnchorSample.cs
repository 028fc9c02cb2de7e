namespace VideoMtl.Training;

/// <summary>
/// One training example for the keypoint branch: an anchor where the segmentation head sees a person, the
/// segmentation neck's 5×5 window around it at its level (all a 3×3, 3×3, 1×1 branch reads to compute that
/// anchor), and the pose network's keypoints for the person it matched.
/// </summary>
/// <param name="Level">0, 1, 2 for P3, P4, P5 (strides 8, 16, 32).</param>
/// <param name="GridX">The anchor's column at its level.</param>
/// <param name="GridY">The anchor's row at its level.</param>
/// <param name="Window">[channels, 5, 5] around the anchor, zeros outside the map (as the convolutions pad).</param>
/// <param name="Inside">[3, 3]: 1 where the first convolution's output exists (inside the map), 0 where the second convolution sees padding.</param>
/// <param name="TeacherFeature">[channels]: the pose network's neck at the anchor, for the adapter's least-squares start.</param>
/// <param name="Keypoints">The teacher's (x, y, visibility) per keypoint, input pixels.</param>
/// <param name="Area">The teacher's box area × 0.53: OKS's object scale.</param>
public sealed record AnchorSample(int Level, int GridX, int GridY, float[] Window, float[] Inside, float[] TeacherFeature, float[] Keypoints, float Area)
{
    public const int WindowSide = 5;

    public int Stride => 8 << Level;
}
