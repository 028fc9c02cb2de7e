using VideoMtl.Core.Decoding;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Tests;

public sealed class DecodingTests
{
    [Fact]
    public void Extractor_keeps_anchors_above_threshold_with_their_best_class_and_corner_box()
    {
        // 3 anchors, 2 classes: rows cx, cy, w, h, class0, class1.
        float[] head =
        [
            10, 50, 90,
            10, 50, 90,
            4, 20, 10,
            2, 10, 10,
            0.1f, 0.9f, 0.2f,
            0.3f, 0.1f, 0.24f,
        ];
        var found = new List<BoxCandidate>();
        new CandidateExtractor().Extract(head, 3, 2, 0.25f, found);
        Assert.Equal(2, found.Count);
        Assert.Equal(new BoxCandidate(0, 1, 0.3f, 8, 9, 12, 11), found[0]);
        Assert.Equal(new BoxCandidate(1, 0, 0.9f, 40, 45, 60, 55), found[1]);
    }

    [Fact]
    public void Nms_suppresses_overlaps_within_a_class_only_and_keeps_best_first()
    {
        var candidates = new List<BoxCandidate>
        {
            new(0, 0, 0.6f, 0, 0, 10, 10),
            new(1, 0, 0.9f, 1, 0, 11, 10),   // IoU with #0 ≈ 0.82 → #0 suppressed
            new(2, 1, 0.8f, 0, 0, 10, 10),   // other class: kept
            new(3, 0, 0.7f, 50, 50, 60, 60), // far away: kept
            new(4, 0, 0.5f, 5, 0, 15, 10),   // IoU with #1 = 0.6/1.4 ≈ 0.43: kept at 0.7
        };
        var kept = new List<BoxCandidate>();
        NonMaxSuppression.Apply(candidates, 0.7f, 100, 100, kept);
        Assert.Equal([1, 2, 3, 4], kept.Select(k => k.Anchor));

        kept.Clear();
        NonMaxSuppression.Apply(candidates, 0.7f, 100, 2, kept);
        Assert.Equal([1, 2], kept.Select(k => k.Anchor));
    }

    [Fact]
    public void Iou_of_known_boxes()
    {
        Assert.Equal(1f, BoxMath.IoU(0, 0, 2, 2, 0, 0, 2, 2));
        Assert.Equal(0f, BoxMath.IoU(0, 0, 2, 2, 2, 0, 4, 2));
        Assert.Equal(1f / 7f, BoxMath.IoU(0, 0, 2, 2, 1, 1, 3, 3), 5);
    }

    [Fact]
    public void Mask_covers_the_box_only_where_the_prototypes_say_so()
    {
        // 640x640 input from a 640x640 source (no letterbox); 160x160 prototypes, 2 coefficients:
        // prototype 0 is +8 everywhere, prototype 1 is −16 in the right half of the image.
        const int p = 160;
        var protos = new float[2 * p * p];
        for (int y = 0; y < p; y++)
        {
            for (int x = 0; x < p; x++)
            {
                protos[(y * p) + x] = 8;
                protos[(p * p) + (y * p) + x] = x >= p / 2 ? -16 : 0;
            }
        }

        var geometry = LetterboxGeometry.Compute(640, 640, 640, 640);
        var decoder = new MaskDecoder();
        var whole = decoder.Decode(protos, p, p, [1f, 0f], (100, 200, 300, 260), geometry, 640, 640);
        Assert.Equal((100, 200, 200, 60), (whole.Left, whole.Top, whole.Width, whole.Height));
        Assert.Equal(200 * 60, whole.Area);
        Assert.False(whole.Contains(99, 230));
        Assert.False(whole.Contains(300, 230));

        var left = decoder.Decode(protos, p, p, [1f, 1f], (200, 0, 440, 40), geometry, 640, 640);
        Assert.True(left.Contains(310, 20));
        Assert.False(left.Contains(330, 20));
        Assert.InRange(left.Area, 118 * 40, 122 * 40); // x in [200, 320) ± the bilinear edge
    }

    [Fact]
    public void Mask_follows_the_letterbox_back_to_source_pixels()
    {
        // A 1280x640 source letterboxed to 640x640: scale 0.5, 160 px bars above and below.
        const int p = 160;
        var protos = new float[p * p];
        for (int y = 0; y < p; y++)
        {
            for (int x = 0; x < p; x++)
            {
                protos[(y * p) + x] = y < 80 ? 6 : -6; // model rows < 320 inside
            }
        }

        var geometry = LetterboxGeometry.Compute(1280, 640, 640, 640);
        var mask = new MaskDecoder().Decode(protos, p, p, [1f], (0, 0, 1280, 640), geometry, 640, 640);
        // Model row 320 is source row (320 − 160) / 0.5 = 320.
        Assert.True(mask.Contains(600, 300));
        Assert.False(mask.Contains(600, 340));
    }

    [Fact]
    public void Poses_join_their_person_segment_or_become_person_objects()
    {
        var model = new ModelDescription
        {
            Source = "synthetic",
            InputWidth = 640,
            InputHeight = 640,
            ClassNames = ["person", "dog"],
            Anchors = 4,
            HasSegmentation = false,
            HasDetection = true,
            HasPose = true,
            Keypoints = 1,
        };
        // Boxes head: anchor 0 a person at (100..200, 100..300), anchor 1 a dog at (400..500, 100..300).
        float[] objects =
        [
            150, 450, 0, 0,
            200, 200, 0, 0,
            100, 100, 0, 0,
            200, 200, 0, 0,
            0.9f, 0, 0, 0,
            0, 0.8f, 0, 0,
        ];
        // Pose head (1 keypoint): anchor 0 over the person, anchor 2 over the dog, anchor 3 far off.
        float[] pose =
        [
            152, 0, 450, 40,
            198, 0, 200, 40,
            100, 0, 100, 20,
            200, 0, 200, 20,
            0.95f, 0, 0.6f, 0.5f,
            150, 0, 450, 40,
            120, 0, 200, 40,
            0.99f, 0, 0.9f, 0.8f,
        ];
        var detections = new Detections(1);
        var geometry = LetterboxGeometry.Compute(1280, 1280, 640, 640); // scale 0.5: source = model × 2
        new MultiTaskDecoder(model, new DecoderOptions()).Decode(objects, [], pose, geometry, detections);

        Assert.Equal(4, detections.Count);
        Assert.Equal([0, 1, 0, 0], detections.ClassIds.ToArray());
        Assert.Equal(new float[] { 300, 240, 0.99f }, detections.GetKeypoints(0).ToArray());
        Assert.True(detections.GetKeypoints(1).IsEmpty, "a dog never takes a pose");
        Assert.Equal((800f, 200f, 1000f, 600f), detections.GetBox(2));
        Assert.Equal(0.6f, detections.Scores[2]);
        Assert.Equal(new float[] { 900, 400, 0.9f }, detections.GetKeypoints(2).ToArray());
        Assert.Equal((60f, 60f, 100f, 100f), detections.GetBox(3));
    }

    [Fact]
    public void Rle_is_column_major_and_starts_with_zeros()
    {
        // 3 wide, 2 high; one pixel set at (x=1, y=0): column-major position 1·2 + 0 = 2.
        var mask = new ObjectMask(1, 0, 1, 1, [1]);
        var counts = new List<int>();
        CocoRle.Encode(mask, 3, 2, counts);
        Assert.Equal([2, 1, 3], counts);

        var first = new ObjectMask(0, 0, 1, 1, [1]);
        CocoRle.Encode(first, 3, 2, counts);
        Assert.Equal([0, 1, 5], counts);
    }

    [Fact]
    public void Rle_round_trips_random_masks_and_keeps_their_area()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 20; trial++)
        {
            int w = random.Next(1, 40), h = random.Next(1, 30);
            int fw = random.Next(1, 60), fh = random.Next(1, 50);
            int left = random.Next(-10, fw), top = random.Next(-10, fh);
            var bits = new byte[w * h];
            for (int i = 0; i < bits.Length; i++)
            {
                bits[i] = (byte)(random.NextDouble() < 0.4 ? 1 : 0);
            }

            var mask = new ObjectMask(left, top, w, h, bits);
            var counts = new List<int>();
            CocoRle.Encode(mask, fw, fh, counts);
            Assert.Equal(fw * fh, counts.Sum());
            var decoded = CocoRle.Decode(counts, fw, fh);
            int expectedArea = 0;
            for (int y = 0; y < fh; y++)
            {
                for (int x = 0; x < fw; x++)
                {
                    Assert.Equal(mask.Contains(x, y) ? 1 : 0, decoded[(y * fw) + x]);
                    expectedArea += mask.Contains(x, y) ? 1 : 0;
                }
            }

            Assert.Equal(expectedArea, CocoRle.Area(counts));
        }
    }

    [Fact]
    public void Thresholds_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecoderOptions { Confidence = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecoderOptions { Confidence = 1.5f }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecoderOptions { IoU = 0 }.Validate());
        new DecoderOptions().Validate();
    }
}
