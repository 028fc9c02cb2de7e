using VideoMtl.Vision;

namespace VideoMtl.Core.Decoding;

/// <summary>
/// One anchor's keypoints read from a pose head's output (<c>[rows, anchors]</c>, row-major; the keypoints as
/// x, y, visibility rows from <c>firstRow</c> on), into source pixels: the positions mapped back through the
/// letterbox and clamped to the image, the visibility as the head gives it. The runtime's decoder and
/// <c>model evaluate</c>'s reading of an export share it, so both read a pose the same way.
/// </summary>
public static class KeypointRows
{
    /// <param name="into">3 values per keypoint; its length says how many keypoints are read.</param>
    public static void Read(ReadOnlySpan<float> head, int anchors, int firstRow, int anchor, LetterboxGeometry geometry, Span<float> into)
    {
        for (int k = 0; k < into.Length / 3; k++)
        {
            int row = firstRow + (3 * k);
            into[3 * k] = geometry.ClampX(geometry.ToSourceX(head[(row * anchors) + anchor]));
            into[(3 * k) + 1] = geometry.ClampY(geometry.ToSourceY(head[((row + 1) * anchors) + anchor]));
            into[(3 * k) + 2] = head[((row + 2) * anchors) + anchor];
        }
    }
}
