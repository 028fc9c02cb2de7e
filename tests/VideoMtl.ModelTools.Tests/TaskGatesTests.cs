using Microsoft.ML.OnnxRuntime;
using VideoMtl.Inference;
using VideoMtl.TestSupport;
using VideoMtl.Vision;
using Google.Protobuf;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools.Tests;

/// <summary>
/// The built model's task gates: a gated part runs only for the rows listed (none: skipped), what a run computes
/// for a row is what the model computes with every row listed (max abs difference ≤ 1e-5), and the gated parts
/// are the pose network and the mask prototypes with their share of the cost.
/// </summary>
[Collection(BuiltModelCollection.Name)]
public sealed class TaskGatesTests(BuiltModelFixture built)
{
    [Fact]
    public void The_model_has_a_gate_per_optional_output_and_the_pose_network_is_behind_its_gate()
    {
        var graph = built.Model.Graph;
        Assert.Equal(["auto_threshold", "images", "pose_auto_rows", "pose_rows", "segment_auto_rows", "segment_rows"], graph.Input.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal("images", graph.Input[0].Name);
        Assert.Equal(["seg_boxes", "seg_protos", "pose", "segment_rows_used", "pose_rows_used"], graph.Output.Select(o => o.Name));
        var gates = graph.Node.Where(n => n.OpType == "If").ToList();
        Assert.Equal(["segment_rows/any", "pose_rows/any"], gates.Select(g => g.Input[0]));
        var poseBranch = gates[1].Attribute.Single(a => a.Name == "then_branch").G;
        Assert.True(poseBranch.Node.Count(n => n.OpType == "Conv") >= 60, "the whole pose network runs in the branch");
        Assert.DoesNotContain(graph.Node, n => n.Name.StartsWith("pose/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new long[] { 0, 1 }, new long[] { 0, 1 })]
    [InlineData(new long[] { 1 }, new long[] { 0 })]
    [InlineData(new long[] { 0 }, new long[] { })]
    [InlineData(new long[] { }, new long[] { 1 })]
    [InlineData(new long[] { }, new long[] { })]
    public void Each_row_listed_gets_what_every_row_listed_computes_and_the_rest_is_not_computed(long[] segmentRows, long[] poseRows)
    {
        using var session = ModelSession.Create(built.Path, new InferenceSessionOptions { IntraOpThreads = 2 });
        var transform = new LetterboxTransform(640, 640);
        var tensor = new float[2 * transform.TensorLength];
        using (var image = ImageFile.Read(TestData.BusJpg))
        using (var mirrored = image.Flip(OpenCvSharp.FlipMode.Y))
        {
            transform.Apply(image, tensor.AsSpan(0, transform.TensorLength));
            transform.Apply(mirrored, tensor.AsSpan(transform.TensorLength));
        }

        using var input = OrtValue.CreateTensorValueFromMemory(tensor, [2, 3, 640, 640]);
        using var segment = ModelSession.Rows(segmentRows);
        using var pose = ModelSession.Rows(poseRows);
        using var none = ModelSession.Rows([]);
        using var threshold = OrtValue.CreateTensorValueFromMemory(new[] { 0.25f }, []);
        using var full = session.Run([input]);
        using var gated = Run(session, new() { ["images"] = input, ["segment_rows"] = segment, ["pose_rows"] = pose, ["segment_auto_rows"] = none, ["pose_auto_rows"] = none, ["auto_threshold"] = threshold });

        Assert.Equal(Data(full[0]), Data(gated[0])); // seg_boxes: always, for every row
        AssertRows(Data(full[1]), 2, segmentRows, Data(gated[1]));
        AssertRows(Data(full[2]), 2, poseRows, Data(gated[2]));
        Assert.Equal(2 * 56 * 8400, Data(full[2]).Length);
    }

    [Fact]
    public void Auto_rows_are_computed_only_for_images_whose_detections_call_for_the_task()
    {
        // Image 0 shows people (bus.jpg), image 1 is a blank grey frame: offered both, only 0 gets pose and masks.
        using var session = ModelSession.Create(built.Path, new InferenceSessionOptions { IntraOpThreads = 2 });
        var transform = new LetterboxTransform(640, 640);
        var tensor = new float[2 * transform.TensorLength];
        using (var image = ImageFile.Read(TestData.BusJpg))
        using (var blank = new OpenCvSharp.Mat(image.Rows, image.Cols, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(114, 114, 114)))
        {
            transform.Apply(image, tensor.AsSpan(0, transform.TensorLength));
            transform.Apply(blank, tensor.AsSpan(transform.TensorLength));
        }

        using var input = OrtValue.CreateTensorValueFromMemory(tensor, [2, 3, 640, 640]);
        using var both = ModelSession.Rows([0, 1]);
        using var none = ModelSession.Rows([]);
        using var threshold = OrtValue.CreateTensorValueFromMemory(new[] { 0.25f }, []);
        using var full = session.Run([input]);
        using var auto = Run(session, new() { ["images"] = input, ["segment_rows"] = none, ["pose_rows"] = none, ["segment_auto_rows"] = both, ["pose_auto_rows"] = both, ["auto_threshold"] = threshold });

        Assert.Equal([0L], auto[3].GetTensorDataAsSpan<long>().ToArray()); // segment_rows_used
        Assert.Equal([0L], auto[4].GetTensorDataAsSpan<long>().ToArray()); // pose_rows_used
        AssertRows(Data(full[1]), 2, [0], Data(auto[1]));
        AssertRows(Data(full[2]), 2, [0], Data(auto[2]));
    }

    [Fact]
    public void A_model_built_before_the_gates_gets_them_and_then_computes_the_same()
    {
        using var work = new TemporaryDirectory();
        var ungated = built.Model.Clone();
        TaskGates.Inline(ungated.Graph);
        string old = work.File("old.onnx"), gated = work.File("gated.onnx");
        File.WriteAllBytes(old, ungated.ToByteArray());

        Assert.Equal(["segment_rows", "pose_rows"], ModelGating.Write(old, gated));
        Assert.Empty(ModelGating.Write(gated, work.File("again.onnx"))); // gates once

        using var before = ModelSession.Create(old, new InferenceSessionOptions { IntraOpThreads = 2 });
        using var after = ModelSession.Create(gated, new InferenceSessionOptions { IntraOpThreads = 2 });
        Assert.Equal(2, after.Gates.Count);
        var transform = new LetterboxTransform(640, 640);
        var tensor = new float[transform.TensorLength];
        using (var image = ImageFile.Read(TestData.BusJpg))
        {
            transform.Apply(image, tensor);
        }

        using var input = OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, 640, 640]);
        using var a = before.Run([input]);
        using var b = after.Run([input]);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Data(a[i]), Data(b[i]));
        }
    }

    /// <summary>A run with every input given by name; the model's outputs, then the gates' rows outputs.</summary>
    private static IDisposableReadOnlyCollection<OrtValue> Run(ModelSession session, Dictionary<string, OrtValue> inputs)
    {
        using var options = new RunOptions();
        return session.Ort.Run(options, [.. inputs.Keys], [.. inputs.Values], [.. session.Outputs.Concat(session.RowOutputs).Select(o => o.Name)]);
    }

    private static void AssertRows(float[] full, int batch, long[] rows, float[] gated)
    {
        int per = full.Length / batch;
        Assert.Equal(rows.Length * per, gated.Length);
        for (int r = 0; r < rows.Length; r++)
        {
            double max = 0;
            for (int j = 0; j < per; j++)
            {
                max = Math.Max(max, Math.Abs(full[(rows[r] * per) + j] - gated[(r * per) + j]));
            }

            Assert.True(max <= 1e-5, $"row {rows[r]}: max abs difference {max}");
        }
    }

    [Fact]
    public void Inlining_the_gates_gives_back_the_ungated_graph_and_the_cost_splits_by_gate()
    {
        var copy = built.Model.Clone();
        int before = CountConvs(copy.Graph);
        var gated = TaskGates.Inline(copy.Graph);
        Assert.Equal(["segment_rows", "pose_rows"], gated.Keys);
        Assert.Equal(["images"], copy.Graph.Input.Select(i => i.Name));
        Assert.DoesNotContain(copy.Graph.Node, n => n.OpType == "If");
        Assert.Equal(before, CountConvs(copy.Graph));

        var cost = ModelComplexity.Cost(File.ReadAllBytes(built.Path));
        double pose = ModelComplexity.GigaFlops(NeckFeatures.Expose(TestData.PoseModel, out _));
        Assert.Equal(pose, cost.Gated["pose_rows"], 1); // the whole pose network
        Assert.InRange(cost.Gated["segment_rows"], 0.3, 3); // the mask prototypes: a small part of the segmentation network
        Assert.Equal(cost.Total - pose - cost.Gated["segment_rows"], cost.WithGatesOn([]), 6);
    }

    private static float[] Data(OrtValue value) => value.GetTensorDataAsSpan<float>().ToArray();

    private static int CountConvs(Proto.GraphProto graph) =>
        graph.Node.Sum(n => (n.OpType == "Conv" ? 1 : 0) + n.Attribute.Where(a => a.Name == "then_branch").Sum(a => CountConvs(a.G)));
}
