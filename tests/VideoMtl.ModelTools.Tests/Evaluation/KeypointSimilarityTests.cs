using VideoMtl.ModelTools.Evaluation;

namespace VideoMtl.ModelTools.Tests.Evaluation;

public sealed class KeypointSimilarityTests
{
    private static float[] Pose(float dx = 0, float score = 0.9f) =>
        Enumerable.Range(0, 17).SelectMany(k => new[] { 100f + (5 * k) + dx, 200f + (7 * k), score }).ToArray();

    [Fact]
    public void The_same_keypoints_are_fully_similar()
    {
        Assert.Equal(1.0, KeypointSimilarity.Compute(Pose(), Pose(), boxArea: 100 * 200)!.Value, 6);
    }

    [Fact]
    public void A_shift_scores_by_each_joints_tolerance_and_the_objects_size()
    {
        // Every joint 4 px off on a 100 x 200 box: exp(-16 / (2 * 0.53 * 20000 * (2 sigma)^2)) averaged over COCO's sigmas.
        double expected = KeypointSimilarity.CocoSigmas.Average(s => Math.Exp(-16.0 / (2 * 0.53 * 20000 * (2.0 * s) * (2.0 * s))));
        Assert.Equal(expected, KeypointSimilarity.Compute(Pose(), Pose(dx: 4), 100 * 200)!.Value, 6);
        // The same shift on a larger person matters less.
        Assert.True(KeypointSimilarity.Compute(Pose(), Pose(dx: 4), 400 * 800) > KeypointSimilarity.Compute(Pose(), Pose(dx: 4), 100 * 200));
    }

    [Fact]
    public void Joints_the_reference_does_not_see_do_not_count()
    {
        var reference = Pose();
        var candidate = Pose();
        candidate[0] += 50; // the nose far off...
        reference[2] = 0.1f; // ...where the reference cannot see it
        Assert.Equal(1.0, KeypointSimilarity.Compute(reference, candidate, 20000)!.Value, 6);
        Assert.Null(KeypointSimilarity.Compute(Pose(score: 0.2f), Pose(), 20000));
    }
}
