using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// Makes the leading (batch) dimension symbolic: graph inputs and outputs get <c>batch</c>, and every
/// Reshape of an activation whose constant target shape starts with the fixed batch 1 gets 0 there
/// instead ("copy from the input"). Reshapes of initializers (the [1,C,1,1] bias reshapes) keep their
/// shape: 0 would copy the bias's own first dimension and break the graph.
/// </summary>
internal static class BatchDimensionRewriter
{
    public const string BatchDimension = "batch";

    /// <returns>How many Reshape shapes were rewritten.</returns>
    public static int Rewrite(Proto.GraphProto graph)
    {
        foreach (var value in graph.Input.Concat(graph.Output))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 })
            {
                dims[0] = new Proto.TensorShapeProto.Types.Dimension { DimParam = BatchDimension };
            }
        }

        // Intermediate shapes recorded at export time carry the fixed batch; ORT infers them again.
        graph.ValueInfo.Clear();

        var index = new OnnxGraphIndex(graph);
        int rewritten = 0;
        foreach (var reshape in graph.Node.Where(n => n.OpType == "Reshape"))
        {
            if (index.ConstantValue(reshape.Input[0]) is not null)
            {
                continue; // reshaping a constant (bias): not a batch
            }

            var shape = index.ConstantValue(reshape.Input[1]);
            if (shape is null)
            {
                continue; // computed at run time from Shape(): already follows the batch
            }

            long[] values = OnnxTensors.ReadInt64s(shape);
            if (values.Length == 0 || values[0] != 1)
            {
                continue;
            }

            values[0] = 0;
            // A new constant, never an edit in place: another Reshape may share the old one.
            string name = $"{reshape.Input[1]}_batch{rewritten}";
            graph.Initializer.Add(OnnxTensors.CreateInt64(name, shape.Dims, values));
            reshape.Input[1] = name;
            rewritten++;
        }

        return rewritten;
    }
}
