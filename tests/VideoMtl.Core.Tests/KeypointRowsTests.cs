using VideoMtl.Core.Decoding;
using VideoMtl.Vision;

namespace VideoMtl.Core.Tests;

public sealed class KeypointRowsTests
{
    [Fact]
    public void An_anchors_keypoints_come_back_in_source_pixels_clamped_with_their_visibility()
    {
        // 2 anchors; rows: 4 box, 1 score, then 2 keypoints as x, y, visibility. A 1280x640 source letterboxed
        // into 640x640 is halved and padded 160 px at the top.
        const int anchors = 2;
        float[] head = new float[(5 + 6) * anchors];
        void Set(int row, float value) => head[(row * anchors) + 1] = value; // anchor 1
        Set(5, 100);
        Set(6, 200);
        Set(7, 0.9f);
        Set(8, 700); // beyond the input's right edge: clamped to the source
        Set(9, 100); // in the top padding: clamped to 0
        Set(10, 0.2f);
        var geometry = LetterboxGeometry.Compute(1280, 640, 640, 640);
        float[] keypoints = new float[6];
        KeypointRows.Read(head, anchors, 5, 1, geometry, keypoints);
        Assert.Equal([200f, 80f, 0.9f, 1280f, 0f, 0.2f], keypoints);
    }
}
