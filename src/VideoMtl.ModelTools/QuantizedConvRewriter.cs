using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// Turns onnxruntime.quantization's dynamic pattern back into float convolutions:
/// <c>DynamicQuantizeLinear(x) → ConvInteger(xq, wq, xzp, wzp) → Cast → Mul(·, x_scale·w_scale)</c>
/// becomes <c>Conv(x, W)</c> with <c>W = (wq − wzp)·w_scale</c> (per tensor or per output channel).
/// GPU providers have no ConvInteger kernel; the float graph runs everywhere. Nodes left without
/// consumers (the quantizers, the scale products) are removed afterwards by <see cref="DeadNodeEliminator"/>.
/// </summary>
internal static class QuantizedConvRewriter
{
    private static readonly string[] ConvAttributes = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"];

    /// <returns>How many ConvInteger nodes were rewritten.</returns>
    public static int Rewrite(Proto.GraphProto graph)
    {
        var index = new OnnxGraphIndex(graph);
        var replacements = new Dictionary<Proto.NodeProto, Proto.NodeProto>();
        var removed = new HashSet<Proto.NodeProto>();
        var newInitializers = new List<Proto.TensorProto>();

        foreach (var conv in graph.Node.Where(n => n.OpType == "ConvInteger").ToList())
        {
            // ConvInteger(x_q, w_q, x_zero_point, w_zero_point)
            var quantizer = index.Producers.GetValueOrDefault(conv.Input[0]);
            if (quantizer is null || quantizer.OpType != "DynamicQuantizeLinear")
            {
                throw new InvalidDataException($"ConvInteger {conv.Name}: its input is not produced by DynamicQuantizeLinear; only dynamic quantization is supported");
            }

            var cast = Single(index.ConsumersOf(conv.Output[0]), "Cast", conv);
            var scale = Single(index.ConsumersOf(cast.Output[0]), "Mul", conv);

            var weightsQ = index.RequireInitializer(conv.Input[1]);
            var weightZeroPoint = conv.Input.Count > 3 && conv.Input[3].Length > 0 ? index.RequireInitializer(conv.Input[3]) : null;
            string weightScaleName = FindWeightScale(index, scale, cast.Output[0], conv);
            var weightScale = index.RequireInitializer(weightScaleName);

            string weightName = conv.Input[1].EndsWith("_quantized", StringComparison.Ordinal)
                ? conv.Input[1][..^"_quantized".Length]
                : conv.Input[1] + "_dequantized";
            newInitializers.Add(Dequantize(weightName, weightsQ, weightZeroPoint, weightScale));

            var floatConv = new Proto.NodeProto
            {
                Name = conv.Name.Length > 0 ? conv.Name.Replace("_quant", string.Empty, StringComparison.Ordinal) : weightName + "_conv",
                OpType = "Conv",
                Domain = string.Empty,
            };
            floatConv.Input.Add(quantizer.Input[0]);
            floatConv.Input.Add(weightName);
            floatConv.Output.Add(scale.Output[0]);
            floatConv.Attribute.AddRange(conv.Attribute.Where(a => ConvAttributes.Contains(a.Name)));

            replacements[conv] = floatConv;
            removed.Add(cast);
            removed.Add(scale);
        }

        var nodes = graph.Node.Where(n => !removed.Contains(n)).Select(n => replacements.GetValueOrDefault(n, n)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(newInitializers);
        return replacements.Count;
    }

    /// <summary>(w_q − w_zp) · w_scale; w_scale and w_zp are scalars or one value per output channel.</summary>
    internal static Proto.TensorProto Dequantize(string name, Proto.TensorProto weightsQ, Proto.TensorProto? zeroPoint, Proto.TensorProto scale)
    {
        int[] q = OnnxTensors.ReadQuantized(weightsQ);
        float[] scales = OnnxTensors.ReadFloats(scale);
        int[] zeros = zeroPoint is null ? [0] : OnnxTensors.ReadQuantized(zeroPoint);
        long channels = weightsQ.Dims[0];
        long perChannel = q.Length / channels;
        if (scales.Length != 1 && scales.Length != channels)
        {
            throw new InvalidDataException($"weight scale of {weightsQ.Name} has {scales.Length} values for {channels} output channels");
        }

        var values = new float[q.Length];
        for (int i = 0; i < q.Length; i++)
        {
            int channel = (int)(i / perChannel);
            float s = scales.Length == 1 ? scales[0] : scales[channel];
            int z = zeros.Length == 1 ? zeros[0] : zeros[channel];
            values[i] = (q[i] - z) * s;
        }

        return OnnxTensors.CreateFloat(name, weightsQ.Dims, values);
    }

    private static Proto.NodeProto Single(IReadOnlyList<Proto.NodeProto> consumers, string opType, Proto.NodeProto conv)
    {
        if (consumers.Count != 1 || consumers[0].OpType != opType)
        {
            throw new InvalidDataException(
                $"ConvInteger {conv.Name}: expected its result to feed exactly one {opType}, found [{string.Join(", ", consumers.Select(c => c.OpType))}]");
        }

        return consumers[0];
    }

    /// <summary>The scale Mul multiplies the cast result by Mul(x_scale, w_scale); w_scale is the initializer operand.</summary>
    private static string FindWeightScale(OnnxGraphIndex index, Proto.NodeProto scaleMul, string castOutput, Proto.NodeProto conv)
    {
        string product = scaleMul.Input[0] == castOutput ? scaleMul.Input[1] : scaleMul.Input[0];
        if (index.Initializers.ContainsKey(product))
        {
            return product; // already folded into one constant: only valid when x_scale is known, which dynamic quantization never is
        }

        var productNode = index.Producers.GetValueOrDefault(product);
        if (productNode is null || productNode.OpType != "Mul")
        {
            throw new InvalidDataException($"ConvInteger {conv.Name}: the scale is not Mul(x_scale, w_scale)");
        }

        return productNode.Input.FirstOrDefault(index.Initializers.ContainsKey)
            ?? throw new InvalidDataException($"ConvInteger {conv.Name}: no weight scale initializer in {productNode.Name}");
    }
}
