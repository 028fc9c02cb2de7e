using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// Converts a float graph to float16 weights and activations for GPU providers, keeping float32 at the
/// edges: the input is cast to float16 after it enters and every output is cast back before it leaves,
/// so callers feed and read float32 as before. Inputs that ONNX requires to be float32 whatever the data
/// type (Resize's roi and scales) stay float32.
/// </summary>
internal static class Float16Converter
{
    /// <summary>(operator, input index) pairs whose tensor must stay float32.</summary>
    private static readonly (string Op, int Input)[] FloatOnlyInputs = [("Resize", 1), ("Resize", 2)];

    /// <returns>How many float tensors (initializers and constants) were converted.</returns>
    public static int Convert(Proto.GraphProto graph)
    {
        var keepFloat = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var (op, input) in FloatOnlyInputs)
            {
                if (node.OpType == op && node.Input.Count > input && node.Input[input].Length > 0)
                {
                    keepFloat.Add(node.Input[input]);
                }
            }
        }

        int converted = 0;
        foreach (var initializer in graph.Initializer)
        {
            if (initializer.DataType == OnnxTensors.Float && !keepFloat.Contains(initializer.Name))
            {
                ToHalf(initializer);
                converted++;
            }
        }

        foreach (var node in graph.Node.Where(n => n.OpType == "Constant" && !keepFloat.Contains(n.Output[0])))
        {
            var value = node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
            if (value is { DataType: OnnxTensors.Float })
            {
                ToHalf(value);
                converted++;
            }
        }

        foreach (var input in graph.Input)
        {
            string internalName = input.Name + "_fp16";
            RenameUses(graph, input.Name, internalName);
            graph.Node.Insert(0, Cast(input.Name, internalName, OnnxTensors.Float16));
        }

        foreach (var output in graph.Output)
        {
            string internalName = output.Name + "_fp16";
            foreach (var node in graph.Node)
            {
                for (int i = 0; i < node.Output.Count; i++)
                {
                    if (node.Output[i] == output.Name)
                    {
                        node.Output[i] = internalName;
                    }
                }
            }

            RenameUses(graph, output.Name, internalName);
            graph.Node.Add(Cast(internalName, output.Name, OnnxTensors.Float));
        }

        return converted;
    }

    private static void RenameUses(Proto.GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == from)
                {
                    node.Input[i] = to;
                }
            }
        }
    }

    private static Proto.NodeProto Cast(string input, string output, int to)
    {
        var node = new Proto.NodeProto { Name = $"{output}_cast", OpType = "Cast" };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add(OnnxAttributes.Int("to", to));
        return node;
    }

    private static void ToHalf(Proto.TensorProto tensor)
    {
        float[] values = OnnxTensors.ReadFloats(tensor);
        var half = new Half[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            half[i] = (Half)values[i];
        }

        var converted = OnnxTensors.CreateRaw<Half>(tensor.Name, OnnxTensors.Float16, tensor.Dims, half);
        tensor.FloatData.Clear();
        tensor.DataType = OnnxTensors.Float16;
        tensor.RawData = converted.RawData;
    }
}
