using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// Lookups over a graph that the rewriters need: initializers by name, Constant node values, and the
/// nodes consuming each tensor. Built once per pass; a pass that edits the graph builds a new one.
/// </summary>
internal sealed class OnnxGraphIndex
{
    public OnnxGraphIndex(Proto.GraphProto graph)
    {
        Graph = graph;
        Initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (string input in node.Input.Where(i => i.Length > 0))
            {
                if (!Consumers.TryGetValue(input, out var list))
                {
                    Consumers[input] = list = [];
                }

                list.Add(node);
            }

            foreach (string output in node.Output)
            {
                Producers[output] = node;
            }
        }
    }

    public Proto.GraphProto Graph { get; }

    public Dictionary<string, Proto.TensorProto> Initializers { get; }

    public Dictionary<string, List<Proto.NodeProto>> Consumers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Proto.NodeProto> Producers { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<Proto.NodeProto> ConsumersOf(string tensor) =>
        Consumers.TryGetValue(tensor, out var list) ? list : [];

    /// <summary>A constant tensor: an initializer, or the value of a Constant node; null otherwise.</summary>
    public Proto.TensorProto? ConstantValue(string name)
    {
        if (Initializers.TryGetValue(name, out var init))
        {
            return init;
        }

        if (Producers.TryGetValue(name, out var node) && node.OpType == "Constant")
        {
            return node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
        }

        return null;
    }

    public Proto.TensorProto RequireInitializer(string name) =>
        Initializers.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"expected an initializer named '{name}'");
}
