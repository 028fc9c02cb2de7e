using Microsoft.ML.OnnxRuntime;
using VideoMtl.Inference;
using VideoMtl.TestSupport;
using VideoMtl.Vision;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools.Tests;

/// <summary>
/// The built model's task gates: a gated part runs only when its gate is on, what a run computes is what the
/// model computes with every gate on (max abs difference 0, well inside the 1e-5 asked), and the gated parts are
/// the pose network and the mask prototypes with their share of the cost.
/// </summary>
[Collection(BuiltModelCollection.Name)]
public sealed class TaskGatesTests(BuiltModelFixture built)
{
    [Fact]
    public void The_model_has_a_gate_per_optional_output_and_the_pose_network_is_behind_its_gate()
    {
        var graph = built.Model.Graph;
        Assert.Equal(["images", "run_segment", "run_pose"], graph.Input.Select(i => i.Name));
        var gates = graph.Node.Where(n => n.OpType == "If").ToList();
        Assert.Equal(["run_segment", "run_pose"], gates.Select(g => g.Input[0]));
        var poseBranch = gates[1].Attribute.Single(a => a.Name == "then_branch").G;
        Assert.True(poseBranch.Node.Count(n => n.OpType == "Conv") >= 60, "the whole pose network runs in the branch");
        Assert.DoesNotContain(graph.Node, n => n.Name.StartsWith("pose/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Every_gate_setting_computes_exactly_what_all_gates_on_compute(bool segment, bool pose)
    {
        using var session = ModelSession.Create(built.Path, new InferenceSessionOptions { IntraOpThreads = 2 });
        var transform = new LetterboxTransform(640, 640);
        var tensor = new float[2 * transform.TensorLength];
        using (var image = ImageFile.Read(TestData.BusJpg))
        {
            transform.Apply(image, tensor.AsSpan(0, transform.TensorLength));
            transform.Apply(image, tensor.AsSpan(transform.TensorLength));
        }

        using var input = OrtValue.CreateTensorValueFromMemory(tensor, [2, 3, 640, 640]);
        using var full = session.Run([input]);
        using var gated = session.Run([input, session.Gate(segment), session.Gate(pose)]);

        Assert.Equal(Data(full[0]), Data(gated[0])); // seg_boxes: always computed
        Assert.Equal(segment ? Data(full[1]) : [], Data(gated[1]));
        Assert.Equal(pose ? Data(full[2]) : [], Data(gated[2]));
        Assert.Equal(2 * 56 * 8400, Data(full[2]).Length);
    }

    [Fact]
    public void Inlining_the_gates_gives_back_the_ungated_graph_and_the_cost_splits_by_gate()
    {
        var copy = built.Model.Clone();
        int before = CountConvs(copy.Graph);
        var gated = TaskGates.Inline(copy.Graph);
        Assert.Equal(["run_segment", "run_pose"], gated.Keys);
        Assert.Equal(["images"], copy.Graph.Input.Select(i => i.Name));
        Assert.DoesNotContain(copy.Graph.Node, n => n.OpType == "If");
        Assert.Equal(before, CountConvs(copy.Graph));

        var cost = ModelComplexity.Cost(File.ReadAllBytes(built.Path));
        double pose = ModelComplexity.GigaFlops(NeckFeatures.Expose(TestData.PoseModel, out _));
        Assert.Equal(pose, cost.Gated["run_pose"], 1); // the whole pose network
        Assert.InRange(cost.Gated["run_segment"], 0.3, 3); // the mask prototypes: a small part of the segmentation network
        Assert.Equal(cost.Total - pose - cost.Gated["run_segment"], cost.WithGatesOn([]), 6);
    }

    private static float[] Data(OrtValue value) => value.GetTensorDataAsSpan<float>().ToArray();

    private static int CountConvs(Proto.GraphProto graph) =>
        graph.Node.Sum(n => (n.OpType == "Conv" ? 1 : 0) + n.Attribute.Where(a => a.Name == "then_branch").Sum(a => CountConvs(a.G)));
}
