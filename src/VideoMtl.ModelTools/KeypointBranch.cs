using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// The keypoint branch of a YOLOv8 pose head (Ultralytics' <c>cv4</c>): per neck level a 3×3 convolution and
/// SiLU, another, and a 1×1 convolution giving 3 values (x, y, visibility, raw) per keypoint at every anchor of
/// that level. Read out of a pose export, dequantized, so a student can start from the teacher's own weights.
/// The export writes each convolution's bias as a separate Add (of the bias, or of a Reshape of it): both forms
/// are read.
/// </summary>
public static class KeypointBranch
{
    /// <summary>Layers per level (P3, P4, P5), in order from the neck map to the raw keypoint map.</summary>
    public static IReadOnlyList<IReadOnlyList<ConvLayer>> Extract(string poseExport)
    {
        var model = NeckFeatures.LoadDequantized(poseExport);
        NeckFeatures.HeadInputs(model.Graph, poseExport, out int head);
        var index = new OnnxGraphIndex(model.Graph);
        var levels = new List<IReadOnlyList<ConvLayer>>();
        for (int level = 0; level < NeckFeatures.OutputNames.Count; level++)
        {
            string prefix = $"/model.{head}/cv4.{level}/";
            var convs = model.Graph.Node.Where(n => n.OpType == "Conv" && n.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (convs.Count != 3)
            {
                throw new InvalidDataException($"{poseExport}: expected 3 convolutions under {prefix} (a YOLOv8 pose head's keypoint branch), found {convs.Count}");
            }

            levels.Add([.. convs.Select(c => Layer(index, c, poseExport))]);
        }

        return levels;
    }

    private static ConvLayer Layer(OnnxGraphIndex index, Proto.NodeProto conv, string source)
    {
        var weightTensor = index.ConstantValue(conv.Input[1]) ?? throw new InvalidDataException($"{source}: {conv.Name} has no constant weight");
        if (weightTensor.Dims.Count != 4 || weightTensor.Dims[2] != weightTensor.Dims[3])
        {
            throw new InvalidDataException($"{source}: {conv.Name} is not a square 2-D convolution");
        }

        if (conv.Attribute.Any(a => a.Name is "strides" or "dilations" && a.Ints.Any(v => v != 1)) || conv.Attribute.Any(a => a.Name == "group" && a.I != 1))
        {
            throw new InvalidDataException($"{source}: {conv.Name} is strided, dilated or grouped, not a keypoint-branch convolution");
        }

        int outChannels = (int)weightTensor.Dims[0];
        string output = conv.Output[0];
        float[] bias;
        if (conv.Input.Count > 2 && conv.Input[2].Length > 0)
        {
            bias = OnnxTensors.ReadFloats(index.ConstantValue(conv.Input[2]) ?? throw new InvalidDataException($"{source}: {conv.Name} has no constant bias"));
        }
        else if (index.ConsumersOf(output) is [{ OpType: "Add" } add] && BiasOperand(index, add, output) is { } addend)
        {
            bias = addend;
            output = add.Output[0];
        }
        else
        {
            bias = new float[outChannels];
        }

        if (bias.Length != outChannels)
        {
            throw new InvalidDataException($"{source}: {conv.Name} has {bias.Length} bias values for {outChannels} channels");
        }

        // SiLU as the exports write it: Sigmoid(x) and Mul(x, Sigmoid(x)).
        var consumers = index.ConsumersOf(output);
        bool silu = consumers.Count == 2 && consumers.Any(n => n.OpType == "Sigmoid") && consumers.Any(n => n.OpType == "Mul");
        return new ConvLayer(outChannels, (int)weightTensor.Dims[1], (int)weightTensor.Dims[2], OnnxTensors.ReadFloats(weightTensor), bias, silu);
    }

    /// <summary>The constant the Add adds to the convolution's output: an initializer, or a Reshape of one.</summary>
    private static float[]? BiasOperand(OnnxGraphIndex index, Proto.NodeProto add, string convOutput)
    {
        string other = add.Input[0] == convOutput ? add.Input[1] : add.Input[0];
        if (index.ConstantValue(other) is { } constant)
        {
            return OnnxTensors.ReadFloats(constant);
        }

        return index.Producers.TryGetValue(other, out var reshape) && reshape.OpType == "Reshape" && index.ConstantValue(reshape.Input[0]) is { } data
            ? OnnxTensors.ReadFloats(data)
            : null;
    }
}
