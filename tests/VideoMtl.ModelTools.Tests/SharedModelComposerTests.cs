using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.ModelTools.Tests;

public sealed class SharedModelComposerTests
{
    private static readonly string Seg = TestData.SegmentationModel;
    private static readonly string Pose = TestData.PoseModel;

    [Fact]
    public void A_head_on_its_own_trunk_through_identity_adapters_gives_the_exports_output()
    {
        // The plumbing check: the pose network as trunk, its own head re-attached through 1x1 identity adapters.
        byte[] shared = SharedModelComposer.Compose(Pose, new Dictionary<string, string> { ["output0"] = "trunk_pose" }, Pose, "pose",
            [[AdapterLayer.Identity(64)], [AdapterLayer.Identity(128)], [AdapterLayer.Identity(256)]]);
        var outputs = Run(shared, BusInput(), 1);
        var reference = Run(NeckFeatures.Expose(Pose, out _), BusInput(), 1);
        Assert.True(MaxDifference(outputs["pose"], reference["output0"]) <= 1e-4, "the re-attached head differs from the export");
        Assert.True(MaxDifference(outputs["trunk_pose"], reference["output0"]) <= 1e-5);
    }

    [Fact]
    public void On_the_segmentation_trunk_the_segmentation_outputs_stay_exactly_the_sources_and_batches_work()
    {
        var random = new Random(3);
        AdapterLayer Layer(int channels) => new(channels, channels, 3,
            [.. Enumerable.Range(0, channels * channels * 9).Select(_ => (float)(random.NextDouble() - 0.5) * 0.05f)], new float[channels], Silu: true);
        byte[] shared = SharedModelComposer.Compose(Seg, new Dictionary<string, string> { ["output0"] = "seg_boxes", ["output1"] = "seg_protos" }, Pose, "pose",
            [[Layer(64)], [Layer(128)], [Layer(256)]]);

        float[] one = BusInput();
        var outputs = Run(shared, one, 1);
        var source = Run(NeckFeatures.Expose(Seg, out _), one, 1);
        Assert.Equal(0, MaxDifference(outputs["seg_boxes"], source["output0"]), 5);
        Assert.Equal(0, MaxDifference(outputs["seg_protos"], source["output1"]), 5);
        Assert.Equal(56 * 8400, outputs["pose"].Length);

        // The batch dimension is symbolic: two images at once give the same as one.
        var two = Run(shared, [.. one, .. one], 2);
        Assert.Equal(2 * 56 * 8400, two["pose"].Length);
        Assert.True(MaxDifference(two["pose"].AsSpan(0, 56 * 8400).ToArray(), outputs["pose"]) <= 1e-3);

        // One backbone: nothing of the pose network's own backbone or neck is in the model.
        using var session = new InferenceSession(shared);
        Assert.Equal(["pose", "seg_boxes", "seg_protos"], session.OutputNames.Order());
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(shared).Graph;
        var headModules = graph.Node.Where(n => n.Name.StartsWith("head/", StringComparison.Ordinal)).Select(n => NeckFeatures.Module(n.Name["head/".Length..])).Distinct().ToList();
        Assert.Contains(22, headModules);
        Assert.DoesNotContain(headModules, m => m is >= 0 and < 22); // unnamed constants aside, only the head module
        Assert.Equal(3, graph.Node.Count(n => n.Name.StartsWith("adapt/", StringComparison.Ordinal) && n.OpType == "Conv"));
    }

    private static float[] BusInput()
    {
        using var image = ImageFile.Read(TestData.BusJpg);
        var letterbox = new LetterboxTransform(640, 640);
        var input = new float[letterbox.TensorLength];
        letterbox.Apply(image, input);
        return input;
    }

    private static Dictionary<string, float[]> Run(byte[] model, float[] input, int batch)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, 640, 640]);
        using var outputs = session.Run(new RunOptions(), session.InputNames, [value], session.OutputNames);
        return session.OutputNames.Select((n, i) => (n, outputs[i].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(p => p.n, p => p.Item2);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
