using Microsoft.ML.OnnxRuntime;
using VideoMtl.TestSupport;

namespace VideoMtl.ModelTools.Tests;

public sealed class SharedModelComposerTests
{
    private static readonly string Seg = TestData.SegmentationModel;
    private static readonly string Pose = TestData.PoseModel;

    [Fact]
    public void The_pose_exports_keypoint_branch_is_read_with_its_weights_and_activations()
    {
        var branch = KeypointBranch.Extract(Pose);
        Assert.Equal(3, branch.Count);
        int[] channels = [64, 128, 256];
        for (int level = 0; level < 3; level++)
        {
            Assert.Equal([3, 3, 1], branch[level].Select(l => l.Kernel));
            Assert.Equal([true, true, false], branch[level].Select(l => l.Silu));
            Assert.Equal(channels[level], branch[level][0].InChannels);
            Assert.Equal(51, branch[level][^1].OutChannels);
            Assert.All(branch[level], l => Assert.Contains(l.Bias, b => b != 0)); // the biases the export adds separately were found
        }
    }

    [Fact]
    public void The_pose_exports_own_branch_on_its_own_trunk_gives_the_exports_output()
    {
        // The plumbing check: the pose network as trunk, its boxes and scores, its own keypoint branch re-attached and decoded.
        byte[] shared = SharedModelComposer.Compose(Pose, new Dictionary<string, string> { ["output0"] = "trunk_pose" }, "output0", "pose", KeypointBranch.Extract(Pose));
        var outputs = Run(shared, Images.ModelInput(TestData.BusJpg), 1);
        var reference = Run(NeckFeatures.Expose(Pose, out _), Images.ModelInput(TestData.BusJpg), 1);
        Assert.True(MaxDifference(outputs["pose"], reference["output0"]) <= 1e-4, $"the re-attached branch differs from the export by {MaxDifference(outputs["pose"], reference["output0"])}");
        Assert.True(MaxDifference(outputs["trunk_pose"], reference["output0"]) <= 1e-5);
    }

    [Fact]
    public void On_the_segmentation_trunk_the_segmentation_outputs_stay_exactly_the_sources_and_batches_work()
    {
        byte[] shared = SharedModelComposer.Compose(Seg, new Dictionary<string, string> { ["output0"] = "seg_boxes", ["output1"] = "seg_protos" }, "output0", "pose",
            KeypointBranch.Extract(Pose));

        float[] one = Images.ModelInput(TestData.BusJpg);
        var outputs = Run(shared, one, 1);
        var source = Run(NeckFeatures.Expose(Seg, out _), one, 1);
        Assert.Equal(0, MaxDifference(outputs["seg_boxes"], source["output0"]), 5);
        Assert.Equal(0, MaxDifference(outputs["seg_protos"], source["output1"]), 5);
        Assert.Equal(56 * 8400, outputs["pose"].Length);

        // The persons are the segmentation head's: its boxes and its person score, row for row.
        Assert.Equal(source["output0"].AsSpan(0, 5 * 8400).ToArray(), outputs["pose"].AsSpan(0, 5 * 8400).ToArray());

        // The batch dimension is symbolic: two images at once give the same as one.
        var two = Run(shared, [.. one, .. one], 2);
        Assert.Equal(2 * 56 * 8400, two["pose"].Length);
        Assert.True(MaxDifference(two["pose"].AsSpan(0, 56 * 8400).ToArray(), outputs["pose"]) <= 1e-3);

        // One backbone: the trunk and the keypoint branch, nothing else.
        using var session = new InferenceSession(shared);
        Assert.Equal(["pose", "pose_rows_used", "seg_boxes", "seg_protos", "segment_rows_used"], session.OutputNames.Order());
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(shared).Graph;
        Assert.Equal(["segment_rows", "pose_rows"], TaskGates.Inline(graph).Keys); // the keypoint branch and the prototypes are gated
        Assert.All(graph.Node, n => Assert.True(n.Name.Length == 0 || n.Name.StartsWith("trunk/", StringComparison.Ordinal) || n.Name.StartsWith("kpt/", StringComparison.Ordinal), n.Name));
        Assert.Equal(9, graph.Node.Count(n => n.Name.StartsWith("kpt/", StringComparison.Ordinal) && n.OpType == "Conv"));
    }

    private static Dictionary<string, float[]> Run(byte[] model, float[] input, int batch)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, 640, 640]);
        using var inputs = new GateInputs(session, value);
        using var outputs = session.Run(new RunOptions(), session.InputNames, inputs.Values, session.OutputNames);
        return session.OutputNames.Select((n, i) => (n, i)).Where(p => !p.n.EndsWith("_rows_used", StringComparison.Ordinal))
            .ToDictionary(p => p.n, p => outputs[p.i].GetTensorDataAsSpan<float>().ToArray());
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
