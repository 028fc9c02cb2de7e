using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>Removes nodes whose outputs nobody reads (repeatedly), then initializers nobody reads.</summary>
internal static class DeadNodeEliminator
{
    public static (int Nodes, int Initializers) Run(Proto.GraphProto graph)
    {
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        int removedNodes = 0;
        while (true)
        {
            var used = graph.Node.SelectMany(n => n.Input).Where(i => i.Length > 0).ToHashSet(StringComparer.Ordinal);
            used.UnionWith(graphOutputs);
            var dead = graph.Node.Where(n => !n.Output.Any(used.Contains)).ToList();
            if (dead.Count == 0)
            {
                break;
            }

            foreach (var node in dead)
            {
                graph.Node.Remove(node);
            }

            removedNodes += dead.Count;
        }

        var read = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        read.UnionWith(graphOutputs);
        var unusedInitializers = graph.Initializer.Where(t => !read.Contains(t.Name)).ToList();
        foreach (var t in unusedInitializers)
        {
            graph.Initializer.Remove(t);
        }

        return (removedNodes, unusedInitializers.Count);
    }
}
