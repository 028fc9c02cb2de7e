using VideoMtl.ModelTools.Evaluation;
using VideoMtl.TestSupport;

namespace VideoMtl.ModelTools.Tests.Evaluation;

[Collection(BuiltModelCollection.Name)]
public sealed class ModelEvaluatorTests
{
    private readonly BuiltModelFixture _built;

    public ModelEvaluatorTests(BuiltModelFixture built)
    {
        _built = built;
    }

    [Fact]
    public void The_composite_model_matches_its_own_teacher_on_bus_jpg_and_the_segmentation_sources_boxes()
    {
        // The composite's pose head is the teacher's network (dequantized), so it must agree almost exactly.
        var report = ModelEvaluator.Run(new EvaluationRequest(
            TestData.PoseModel, _built.Path, TestData.SegmentationModel, [TestData.BusJpg]));

        var image = Assert.Single(report.Images);
        Assert.Equal("bus.jpg", image.Image);
        Assert.InRange(report.TeacherPersons, 3, 4);
        Assert.Equal(1.0, report.MatchedShare);
        Assert.Equal(1.0, report.MatchedOks50Share);
        Assert.True(report.MeanOks > 0.95, $"mean OKS {report.MeanOks}");
        Assert.Equal(17, report.JointMeanErrorPx.Count);
        Assert.All(report.JointMeanErrorPx, e => Assert.InRange(e!.Value, 0, 5));
        Assert.True(report.SegmentObjects >= 4, $"{report.SegmentObjects} segmentation objects");
        Assert.Equal(1.0, report.SegmentMatchedShare);
        Assert.True(report.MeanBoxIoU > 0.9, $"mean box IoU {report.MeanBoxIoU}");
    }

    [Fact]
    public void Held_out_frames_are_the_last_fifth_of_a_video_and_every_nth_is_taken()
    {
        // walking.mp4 has 341 frames: the last fifth starts at frame 341 - 68 = 273; every 20th of those is 4 frames.
        var report = ModelEvaluator.Run(new EvaluationRequest(
            TestData.PoseModel, _built.Path, null, [TestData.WalkingMp4], HeldOut: true, Every: 20));
        Assert.Equal(["walking.mp4#273", "walking.mp4#293", "walking.mp4#313", "walking.mp4#333"], report.Images.Select(i => i.Image));
        Assert.True(report.TeacherPersons > 0);
        Assert.True(report.MeanOks > 0.9, $"mean OKS {report.MeanOks}");
    }

    [Fact]
    public void A_teacher_that_is_not_a_pose_export_is_named()
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelEvaluator.Run(new EvaluationRequest(
            TestData.SegmentationModel, _built.Path, null, [TestData.BusJpg])));
        Assert.Contains("not a pose export", error.Message, StringComparison.Ordinal);
    }
}
