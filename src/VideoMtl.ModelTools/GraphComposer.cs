using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// Puts several single-input heads side by side in one graph with one shared input. Every other name
/// is prefixed per head so nothing collides; the branches are independent, so ORT may run them in parallel.
/// </summary>
internal static class GraphComposer
{
    public static Proto.ModelProto Compose(IReadOnlyList<HeadGraph> heads, string graphName)
    {
        ArgumentOutOfRangeException.ThrowIfZero(heads.Count);
        var first = heads[0].Model.Graph;
        if (first.Input.Count != 1)
        {
            throw new InvalidDataException($"a head must have exactly one input; the {heads[0].Prefix} model has {first.Input.Count}");
        }

        var input = first.Input[0];
        var composite = new Proto.ModelProto
        {
            IrVersion = heads.Max(h => h.Model.IrVersion),
            ProducerName = "videomtl",
            ProducerVersion = typeof(GraphComposer).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = new Proto.GraphProto { Name = graphName },
        };
        composite.Graph.Input.Add(input.Clone());
        foreach (var opset in heads.SelectMany(h => h.Model.OpsetImport).GroupBy(o => o.Domain))
        {
            composite.OpsetImport.Add(new Proto.OperatorSetIdProto { Domain = opset.Key, Version = opset.Max(o => o.Version) });
        }

        foreach (var head in heads)
        {
            var graph = head.Model.Graph;
            if (graph.Input.Count != 1 || graph.Input[0].Name != input.Name || !SameShape(graph.Input[0], input))
            {
                throw new InvalidDataException($"the {head.Prefix} model's input differs from the {heads[0].Prefix} model's ({input.Name}): heads must share one input");
            }

            string Rename(string name) =>
                name.Length == 0 || name == input.Name ? name
                : head.OutputNames.TryGetValue(name, out string? output) ? output
                : $"{head.Prefix}/{name}";

            foreach (var node in graph.Node)
            {
                if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
                {
                    throw new InvalidDataException($"node {node.Name} of the {head.Prefix} model has a subgraph; control flow is not supported");
                }

                var copy = node.Clone();
                copy.Name = node.Name.Length == 0 ? string.Empty : $"{head.Prefix}/{node.Name}";
                for (int i = 0; i < copy.Input.Count; i++)
                {
                    copy.Input[i] = Rename(copy.Input[i]);
                }

                for (int i = 0; i < copy.Output.Count; i++)
                {
                    copy.Output[i] = Rename(copy.Output[i]);
                }

                composite.Graph.Node.Add(copy);
            }

            foreach (var initializer in graph.Initializer)
            {
                var copy = initializer.Clone();
                copy.Name = Rename(initializer.Name);
                composite.Graph.Initializer.Add(copy);
            }

            foreach (var output in graph.Output)
            {
                if (!head.OutputNames.ContainsKey(output.Name))
                {
                    throw new InvalidDataException($"the {head.Prefix} model has an output '{output.Name}' with no composite name");
                }

                var copy = output.Clone();
                copy.Name = Rename(output.Name);
                composite.Graph.Output.Add(copy);
            }
        }

        return composite;
    }

    private static bool SameShape(Proto.ValueInfoProto a, Proto.ValueInfoProto b) =>
        a.Type.TensorType.ElemType == b.Type.TensorType.ElemType &&
        a.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam)
            .SequenceEqual(b.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam));
}
