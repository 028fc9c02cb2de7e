using Microsoft.ML.OnnxRuntime;
using VideoMtl.Core.Model;
using VideoMtl.ModelTools;
using VideoMtl.TestSupport;

namespace VideoMtl.Training.Tests;

/// <summary>A short schedule: the loss falls, the model runs through the runtime, the segmentation stays the source's, a run resumes.</summary>
public sealed class DistillerTests
{
    private static readonly string Seg = TestData.SegmentationModel;
    private static readonly string Pose = TestData.PoseModel;

    [Fact]
    public void A_short_schedule_lowers_the_loss_and_writes_a_shared_model_whose_segmentation_is_the_sources()
    {
        using var temp = new TemporaryDirectory();
        string output = temp.File("shared.onnx");
        string checkpoint = temp.File("branch");
        var request = new DistillRequest(Seg, Pose, [TestData.WalkingMp4], output, Epochs: 3, BatchSize: 128, LearningRate: 1e-3, Every: 10, MaxFramesPerSource: 4, Checkpoint: checkpoint);
        var progress = new List<TrainingProgress>();
        var result = Distiller.Run(request, progress: progress.Add);

        Assert.Equal(12, result.Views); // 4 frames, their mirror images and one random view of each
        Assert.True(result.Samples > 100, $"{result.Samples} anchors");
        Assert.Equal(3, result.Epochs.Count);
        Assert.True(result.Epochs[^1].PositionLoss < result.Epochs[0].PositionLoss, string.Join(" → ", result.Epochs.Select(e => e.PositionLoss)));
        Assert.True(result.Epochs[^1].Oks > result.Epochs[0].Oks);
        Assert.Equal(2, result.Epochs[^1].TaskWeights.Count);
        Assert.All(result.Epochs[^1].TaskWeights, w => Assert.True(w > 0));
        Assert.Equal(TimeSpan.Zero, progress[^1].Left);
        Assert.Equal(progress[^1].Steps, progress[^1].Step);

        // The runtime reads it like any model: segmentation and pose, one backbone.
        using var model = MultiTaskModel.Load(output);
        Assert.True(model.Description.HasSegmentation && model.Description.HasPose);
        Assert.Equal("shared", model.Session.CustomMetadata["videomtl.architecture"]);

        // The segmentation outputs are exactly the (dequantized) source's.
        float[] input = Images.ModelInput(TestData.BusJpg);
        float[][] Outputs(byte[] bytes, params string[] names)
        {
            using var session = new InferenceSession(bytes);
            using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 640, 640]);
            using var inputs = new GateInputs(session, value);
            using var results = session.Run(new RunOptions(), session.InputNames, inputs.Values, names);
            return [.. results.Select(r => r.GetTensorDataAsSpan<float>().ToArray())];
        }

        var shared = Outputs(File.ReadAllBytes(output), "seg_boxes", "seg_protos");
        var source = Outputs(NeckFeatures.Expose(Seg, out _), "output0", "output1");
        for (int o = 0; o < 2; o++)
        {
            Assert.Equal(source[o].Length, shared[o].Length);
            Assert.True(source[o].Zip(shared[o]).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5, $"output {o} differs from the source");
        }

        // Asked for one more epoch with the same checkpoint, it goes on from where it stopped.
        var more = Distiller.Run(request with { Epochs = 4 });
        Assert.Equal(3, more.ResumedAtEpoch);
        Assert.Equal([4], more.Epochs.Select(e => e.Epoch));
    }
}
