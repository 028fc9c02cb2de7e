using Google.Protobuf;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// One model with one backbone: a trunk export (the segmentation network, all of it, exactly as it computes),
/// its three neck feature maps passed through an adapter per level (small convolutions), and another export's
/// head (the pose network's last module, its own weights) reading the adapted maps in place of its own neck's.
/// The trunk's nodes are copied unchanged, so its outputs are the dequantized source's; the second network's
/// backbone and neck are not copied at all. Names are prefixed per part (trunk/, adapt/, head/) so none collide.
/// </summary>
public static class SharedModelComposer
{
    /// <param name="trunkOutputs">The trunk's outputs to keep, by their name in the result (e.g. output0 → seg_boxes).</param>
    /// <param name="headOutput">The name of the head's output in the result (e.g. pose).</param>
    /// <param name="adapters">Per level (P3, P4, P5): the layers, in order, from the trunk's map to what the head reads.</param>
    /// <param name="metadata">Written into the model's metadata_props (the model contract's keys), in key order.</param>
    /// <returns>The model, serialized.</returns>
    public static byte[] Compose(
        string trunkExport, IReadOnlyDictionary<string, string> trunkOutputs, string headExport, string headOutput, IReadOnlyList<IReadOnlyList<AdapterLayer>> adapters,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(trunkOutputs);
        ArgumentNullException.ThrowIfNull(adapters);
        if (adapters.Count != NeckFeatures.OutputNames.Count)
        {
            throw new ArgumentException($"one adapter per level: got {adapters.Count}, need {NeckFeatures.OutputNames.Count}");
        }

        var trunk = NeckFeatures.LoadDequantized(trunkExport);
        var head = NeckFeatures.LoadDequantized(headExport);
        BatchDimensionRewriter.Rewrite(trunk.Graph);
        BatchDimensionRewriter.Rewrite(head.Graph);
        DeadNodeEliminator.Run(trunk.Graph);
        DeadNodeEliminator.Run(head.Graph);
        var trunkMaps = NeckFeatures.HeadInputs(trunk.Graph, trunkExport, out _);
        var headMaps = NeckFeatures.HeadInputs(head.Graph, headExport, out _);
        if (trunk.Graph.Input.Count != 1 || head.Graph.Input.Count != 1)
        {
            throw new InvalidDataException("both exports must have one input");
        }

        string input = trunk.Graph.Input[0].Name;
        var result = new Proto.ModelProto
        {
            IrVersion = Math.Max(trunk.IrVersion, head.IrVersion),
            ProducerName = "videomtl",
            ProducerVersion = typeof(SharedModelComposer).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = new Proto.GraphProto { Name = "videomtl_shared" },
        };
        foreach (var opset in trunk.OpsetImport.Concat(head.OpsetImport).GroupBy(o => o.Domain))
        {
            result.OpsetImport.Add(new Proto.OperatorSetIdProto { Domain = opset.Key, Version = opset.Max(o => o.Version) });
        }

        result.Graph.Input.Add(trunk.Graph.Input[0].Clone());

        // The trunk: every node (its outputs must stay exactly as the source computes them).
        string TrunkName(string name) =>
            name.Length == 0 || name == input ? name : trunkOutputs.TryGetValue(name, out string? renamed) ? renamed : $"trunk/{name}";
        CopyNodes(trunk.Graph, trunk.Graph.Node, TrunkName, result.Graph);
        foreach (var output in trunk.Graph.Output.Where(o => trunkOutputs.ContainsKey(o.Name)))
        {
            var copy = output.Clone();
            copy.Name = trunkOutputs[output.Name];
            result.Graph.Output.Add(copy);
        }

        // The adapters: trunk map → convolutions → the name the head's map gets.
        for (int level = 0; level < adapters.Count; level++)
        {
            string current = TrunkName(trunkMaps[level]);
            var layers = adapters[level];
            for (int l = 0; l < layers.Count; l++)
            {
                var layer = layers[l];
                layer.Validate();
                string prefix = $"adapt/p{level + 3}/{l}";
                result.Graph.Initializer.Add(OnnxTensors.CreateFloat($"{prefix}/weight", [layer.OutChannels, layer.InChannels, layer.Kernel, layer.Kernel], layer.Weight));
                result.Graph.Initializer.Add(OnnxTensors.CreateFloat($"{prefix}/bias", [layer.OutChannels], layer.Bias));
                var conv = new Proto.NodeProto { Name = $"{prefix}/conv", OpType = "Conv", Input = { current, $"{prefix}/weight", $"{prefix}/bias" }, Output = { $"{prefix}/conv_out" } };
                int pad = layer.Kernel / 2;
                conv.Attribute.Add(new Proto.AttributeProto { Name = "kernel_shape", Type = Proto.AttributeProto.Types.AttributeType.Ints, Ints = { layer.Kernel, layer.Kernel } });
                conv.Attribute.Add(new Proto.AttributeProto { Name = "pads", Type = Proto.AttributeProto.Types.AttributeType.Ints, Ints = { pad, pad, pad, pad } });
                result.Graph.Node.Add(conv);
                current = $"{prefix}/conv_out";
                if (layer.Silu)
                {
                    // SiLU as the exports write it: x · sigmoid(x).
                    result.Graph.Node.Add(new Proto.NodeProto { Name = $"{prefix}/sigmoid", OpType = "Sigmoid", Input = { current }, Output = { $"{prefix}/sigmoid_out" } });
                    result.Graph.Node.Add(new Proto.NodeProto { Name = $"{prefix}/silu", OpType = "Mul", Input = { current, $"{prefix}/sigmoid_out" }, Output = { $"{prefix}/out" } });
                    current = $"{prefix}/out";
                }
            }

            result.Graph.Node.Add(new Proto.NodeProto { Name = $"adapt/p{level + 3}/done", OpType = "Identity", Input = { current }, Output = { $"adapt/p{level + 3}" } });
        }

        // The head: only the nodes the head's output needs once its three maps are given.
        var needed = NodesBetween(head.Graph, headMaps, head.Graph.Output[0].Name);
        string headOut = head.Graph.Output[0].Name;
        string HeadName(string name)
        {
            int level = headMaps.IndexOf(name);
            return name.Length == 0 ? name : level >= 0 ? $"adapt/p{level + 3}" : name == headOut ? headOutput : $"head/{name}";
        }

        CopyNodes(head.Graph, needed, HeadName, result.Graph);
        var headValue = head.Graph.Output[0].Clone();
        headValue.Name = headOutput;
        result.Graph.Output.Add(headValue);
        foreach (var (key, value) in (metadata ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            result.MetadataProps.Add(new Proto.StringStringEntryProto { Key = key, Value = value });
        }

        return result.ToByteArray();
    }

    /// <summary>The nodes producing <paramref name="output"/> from <paramref name="inputs"/> (and constants), in graph order.</summary>
    private static List<Proto.NodeProto> NodesBetween(Proto.GraphProto graph, IReadOnlyList<string> inputs, string output)
    {
        var index = new OnnxGraphIndex(graph);
        var keep = new HashSet<Proto.NodeProto>();
        var pending = new Stack<string>([output]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            string tensor = pending.Pop();
            if (!seen.Add(tensor) || inputs.Contains(tensor) || !index.Producers.TryGetValue(tensor, out var node))
            {
                continue;
            }

            keep.Add(node);
            foreach (string i in node.Input.Where(i => i.Length > 0))
            {
                pending.Push(i);
            }
        }

        var graphInput = graph.Input[0].Name;
        if (keep.Any(n => n.Input.Contains(graphInput)))
        {
            throw new InvalidDataException("the head reads the image itself, not only its three feature maps: it cannot sit on another trunk");
        }

        return [.. graph.Node.Where(keep.Contains)];
    }

    private static void CopyNodes(Proto.GraphProto source, IEnumerable<Proto.NodeProto> nodes, Func<string, string> rename, Proto.GraphProto into)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var copy = node.Clone();
            copy.Name = node.Name.Length == 0 ? string.Empty : rename(node.Name);
            for (int i = 0; i < copy.Input.Count; i++)
            {
                used.Add(copy.Input[i]);
                copy.Input[i] = rename(copy.Input[i]);
            }

            for (int i = 0; i < copy.Output.Count; i++)
            {
                copy.Output[i] = rename(copy.Output[i]);
            }

            into.Node.Add(copy);
        }

        foreach (var initializer in source.Initializer.Where(t => used.Contains(t.Name)))
        {
            var copy = initializer.Clone();
            copy.Name = rename(initializer.Name);
            into.Initializer.Add(copy);
        }
    }
}
