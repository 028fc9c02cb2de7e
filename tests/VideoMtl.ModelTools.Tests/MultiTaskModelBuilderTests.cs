using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using System.Security.Cryptography;
using System.Text.Json;
using VideoMtl.ModelTools;
using VideoMtl.Core.Model;
using VideoMtl.Inference;
using VideoMtl.TestSupport;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools.Tests;

[Collection(BuiltModelCollection.Name)]
public sealed class MultiTaskModelBuilderTests
{
    private readonly BuiltModelFixture _built;

    public MultiTaskModelBuilderTests(BuiltModelFixture built)
    {
        _built = built;
    }

    [Fact]
    public void No_quantized_operator_is_left_and_every_conv_is_float()
    {
        var ops = _built.Ungated.Graph.Node.Select(n => n.OpType).ToList();
        Assert.DoesNotContain("ConvInteger", ops);
        Assert.DoesNotContain("DynamicQuantizeLinear", ops);
        Assert.DoesNotContain("Cast", ops);
        Assert.Equal(76 + 73, ops.Count(o => o == "Conv"));
        Assert.Equal(149, _built.Result.ConvIntegerRewritten);
        Assert.All(_built.Ungated.Graph.Initializer, t => Assert.NotEqual(OnnxTensors.UInt8, t.DataType));
    }

    [Theory]
    [InlineData("yolov8n-seg-uint8.onnx", "seg", 76)]
    [InlineData("yolov8n-pose-uint8.onnx", "pose", 73)]
    public void Every_layer_s_weights_equal_the_dequantized_source_values(string file, string prefix, int layers)
    {
        var source = Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Model(file)));
        var init = source.Graph.Initializer.ToDictionary(t => t.Name);
        var built = _built.Ungated.Graph.Initializer.ToDictionary(t => t.Name);
        int checkedLayers = 0;
        foreach (string quantized in init.Keys.Where(k => k.EndsWith(".weight_quantized", StringComparison.Ordinal)))
        {
            string layer = quantized[..^"_quantized".Length];
            int[] q = OnnxTensors.ReadQuantized(init[quantized]);
            int[] zero = OnnxTensors.ReadQuantized(init[layer + "_zero_point"]);
            float[] scale = OnnxTensors.ReadFloats(init[layer + "_scale"]);
            var weights = built[$"{prefix}/{layer}"];
            Assert.Equal(init[quantized].Dims, weights.Dims);
            float[] w = OnnxTensors.ReadFloats(weights);
            int perChannel = q.Length / (int)weights.Dims[0];
            for (int i = 0; i < w.Length; i++)
            {
                int channel = i / perChannel;
                float expected = (q[i] - zero[zero.Length == 1 ? 0 : channel]) * scale[scale.Length == 1 ? 0 : channel];
                Assert.True(expected == w[i], $"{layer}[{i}]: {w[i]} != {expected}");
            }

            checkedLayers++;
        }

        Assert.Equal(layers, checkedLayers);
    }

    [Fact]
    public void Batch_is_symbolic_and_bias_reshapes_are_untouched()
    {
        var graph = _built.Ungated.Graph;
        Assert.Equal("batch", graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
        Assert.All(graph.Output, o => Assert.Equal("batch", o.Type.TensorType.Shape.Dim[0].DimParam));
        var index = new OnnxGraphIndex(graph);
        int activation = 0;
        foreach (var reshape in graph.Node.Where(n => n.OpType == "Reshape"))
        {
            var shape = index.ConstantValue(reshape.Input[1]);
            if (shape is null)
            {
                continue;
            }

            long first = OnnxTensors.ReadInt64s(shape)[0];
            if (index.ConstantValue(reshape.Input[0]) is not null)
            {
                Assert.Equal(1, first); // [1, C, 1, 1] for a bias
            }
            else
            {
                Assert.Equal(0, first);
                activation++;
            }
        }

        Assert.Equal(_built.Result.ReshapesRewritten, activation);
        Assert.True(activation >= 8);
    }

    [Fact]
    public void Heads_are_prefixed_and_nothing_collides()
    {
        var graph = _built.Ungated.Graph;
        var names = graph.Node.Select(n => n.Name).Where(n => n.Length > 0).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.True(n.StartsWith("seg/", StringComparison.Ordinal) || n.StartsWith("pose/", StringComparison.Ordinal), n));
        var initializers = graph.Initializer.Select(t => t.Name).ToList();
        Assert.Equal(initializers.Count, initializers.Distinct().Count());
        var produced = graph.Node.SelectMany(n => n.Output).ToList();
        Assert.Equal(produced.Count, produced.Distinct().Count());
        Assert.Equal(["seg_boxes", "seg_protos", "pose"], graph.Output.Select(o => o.Name));
        Assert.Equal("images", graph.Input.Single().Name);
    }

    [Fact]
    public void Every_initializer_is_read_by_some_node()
    {
        // An unread initializer is dead weight in the file and a warning at every ONNX Runtime session load.
        var graph = _built.Ungated.Graph;
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(graph.Initializer, t => !read.Contains(t.Name));
    }

    [Fact]
    public void Metadata_describes_the_tasks_classes_and_keypoints()
    {
        var meta = _built.Model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("segment,pose", meta[ModelMetadataKeys.Tasks]);
        var names = JsonSerializer.Deserialize<Dictionary<string, string>>(meta[ModelMetadataKeys.Names])!;
        Assert.Equal(80, names.Count);
        Assert.Equal("person", names["0"]);
        Assert.Equal("toothbrush", names["79"]);
        Assert.Equal("[17, 3]", meta[ModelMetadataKeys.KeypointShape]);
        Assert.Equal(19, JsonSerializer.Deserialize<int[][]>(meta[ModelMetadataKeys.Skeleton])!.Length);
        Assert.Equal(17, JsonSerializer.Deserialize<string[]>(meta[ModelMetadataKeys.KeypointNames])!.Length);
        Assert.Equal("[640, 640]", meta[ModelMetadataKeys.ImageSize]);
        Assert.Equal("32", meta[ModelMetadataKeys.Stride]);
        string expectedHash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TestData.PoseModel)));
        Assert.Equal(expectedHash, meta["videomtl.source.pose.sha256"]);
        using var outputs = JsonDocument.Parse(meta[ModelMetadataKeys.Outputs]);
        Assert.Equal(32, outputs.RootElement.GetProperty("seg_boxes").GetProperty("mask_coefficients").GetInt32());
    }

    [Fact]
    public void Verification_found_the_composite_equal_to_its_heads()
    {
        Assert.Equal(["seg_boxes", "seg_protos", "pose"], _built.Result.Verification.Select(v => v.Output));
        Assert.All(_built.Result.Verification, v =>
        {
            Assert.InRange(v.MaxDiffToFloatHead, 0, MultiTaskModelBuilder.HeadTolerance);
            Assert.InRange(v.MaxDiffBatchVsSingle, 0, MultiTaskModelBuilder.BatchTolerance);
            Assert.True(v.MaxDiffToSource > 0, "dequantizing should change the arithmetic a little");
        });
    }

    [Fact]
    public void Built_model_runs_a_batch_of_three_in_one_call()
    {
        using var session = ModelSession.Create(_built.Path);
        Assert.Equal(["seg_boxes", "seg_protos", "pose"], session.Outputs.Select(o => o.Name));
        Assert.Equal(-1, session.Inputs[0].Shape[0]);
        using var input = OrtValue.CreateTensorValueFromMemory(new float[3 * 3 * 640 * 640], [3, 3, 640, 640]);
        using var outputs = session.Run([input]);
        Assert.Equal(new long[] { 3, 116, 8400 }, outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(new long[] { 3, 32, 160, 160 }, outputs[1].GetTensorTypeAndShape().Shape);
        Assert.Equal(new long[] { 3, 56, 8400 }, outputs[2].GetTensorTypeAndShape().Shape);
    }

    [Fact]
    public void Float16_build_keeps_float32_edges_and_resize_scales_and_stays_close()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("mt16.onnx");
        var result = new MultiTaskModelBuilder().Build(new ModelBuildRequest(
            TestData.SegmentationModel, TestData.PoseModel, null, path, [TestData.BusJpg], Float16: true));
        Assert.All(result.Verification, v => Assert.NotNull(v.MaxDiffFloat16));
        var model = Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal("fp16", model.MetadataProps.Single(p => p.Key == ModelMetadataKeys.Precision).Value);
        var index = new OnnxGraphIndex(model.Graph);
        var resizeScales = model.Graph.Node.Where(n => n.OpType == "Resize").Select(n => n.Input[2]).ToHashSet();
        Assert.NotEmpty(resizeScales);
        foreach (var t in model.Graph.Initializer)
        {
            if (resizeScales.Contains(t.Name))
            {
                Assert.Equal(OnnxTensors.Float, t.DataType);
            }
            else
            {
                Assert.NotEqual(OnnxTensors.Float, t.DataType);
            }
        }

        Assert.All(model.Graph.Initializer.Where(t => t.Name.EndsWith(".weight", StringComparison.Ordinal)), t => Assert.Equal(OnnxTensors.Float16, t.DataType));
        Assert.Equal(1, model.Graph.Input[0].Type.TensorType.ElemType);
        Assert.All(model.Graph.Output.Where(o => !o.Name.EndsWith("_rows_used", StringComparison.Ordinal)), o => Assert.Equal(1, o.Type.TensorType.ElemType));
        Assert.Equal("Cast", index.Producers["seg_boxes"].OpType);

        using var session = ModelSession.Create(path);
        using var input = OrtValue.CreateTensorValueFromMemory(new float[2 * 3 * 640 * 640], [2, 3, 640, 640]);
        using var outputs = session.Run([input]);
        Assert.Equal(new long[] { 2, 116, 8400 }, outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(TensorElementType.Float, outputs[0].GetTensorTypeAndShape().ElementDataType);
    }

    [Fact]
    public void Swapped_roles_are_refused_by_the_source_metadata()
    {
        using var temp = new TemporaryDirectory();
        var request = new ModelBuildRequest(
            TestData.PoseModel, TestData.SegmentationModel, null, temp.File("x.onnx"), []);
        var e = Assert.Throws<InvalidDataException>(() => new MultiTaskModelBuilder().Build(request));
        Assert.Contains("is a 'pose' model", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("x.onnx")));
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_named()
    {
        using var temp = new TemporaryDirectory();
        string junk = temp.File("junk.onnx");
        File.WriteAllText(junk, "definitely not protobuf \u0001\u0002");
        var request = new ModelBuildRequest(junk, TestData.PoseModel, null, temp.File("x.onnx"), []);
        var e = Assert.ThrowsAny<Exception>(() => new MultiTaskModelBuilder().Build(request));
        Assert.Contains(junk, e.Message, StringComparison.Ordinal);
    }
}
