using Google.Protobuf;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// One model with one backbone: a trunk export (the segmentation network, all of it, exactly as it computes)
/// and a keypoint branch per neck level reading the trunk's neck maps, decoded as a YOLOv8 pose head decodes its
/// own (x = (raw·2 + grid x)·stride, y likewise, visibility = sigmoid(raw)). The persons' boxes and scores are
/// the trunk's own (rows 0–4 of its box output: box and the first class, person), so the pose output has the
/// pose export's layout, [batch, 4 + 1 + 3·K, anchors], and the runtime's decoders read it unchanged. The
/// trunk's nodes are copied unchanged, so its outputs are the dequantized source's. Names are prefixed per part
/// (trunk/, kpt/) so none collide.
/// </summary>
public static class SharedModelComposer
{
    private const int PersonRows = 5;

    /// <param name="trunkOutputs">The trunk's outputs to keep, by their name in the result (e.g. output0 → seg_boxes).</param>
    /// <param name="boxesOutput">The trunk output (its name in the export) whose rows 0–4 give each anchor's box and person score.</param>
    /// <param name="keypointOutput">The name of the pose output in the result (e.g. pose).</param>
    /// <param name="branch">Per level (P3, P4, P5): the layers, in order, from the trunk's map to the raw keypoint map (3·K channels).</param>
    /// <param name="metadata">Written into the model's metadata_props (the model contract's keys), in key order.</param>
    /// <returns>The model, serialized.</returns>
    public static byte[] Compose(
        string trunkExport, IReadOnlyDictionary<string, string> trunkOutputs, string boxesOutput, string keypointOutput,
        IReadOnlyList<IReadOnlyList<ConvLayer>> branch, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(trunkOutputs);
        ArgumentNullException.ThrowIfNull(branch);
        if (branch.Count != NeckFeatures.OutputNames.Count || branch.Any(l => l.Count == 0))
        {
            throw new ArgumentException($"one keypoint branch per level: got {branch.Count}, need {NeckFeatures.OutputNames.Count}");
        }

        int values = branch[0][^1].OutChannels;
        if (values % 3 != 0 || branch.Any(l => l[^1].OutChannels != values))
        {
            throw new ArgumentException($"every level must end in 3·K channels (x, y, visibility per keypoint); got {string.Join(", ", branch.Select(l => l[^1].OutChannels))}");
        }

        var trunk = NeckFeatures.LoadDequantized(trunkExport);
        BatchDimensionRewriter.Rewrite(trunk.Graph);
        DeadNodeEliminator.Run(trunk.Graph);
        var trunkMaps = NeckFeatures.HeadInputs(trunk.Graph, trunkExport, out _);
        if (trunk.Graph.Input.Count != 1)
        {
            throw new InvalidDataException($"{trunkExport}: the trunk must have one input");
        }

        if (!trunk.Graph.Output.Any(o => o.Name == boxesOutput))
        {
            throw new InvalidDataException($"{trunkExport}: no output '{boxesOutput}' to take the persons' boxes from");
        }

        var inputDims = trunk.Graph.Input[0].Type.TensorType.Shape.Dim;
        if (inputDims.Count != 4 || inputDims[2].DimValue <= 0 || inputDims[3].DimValue <= 0)
        {
            throw new InvalidDataException($"{trunkExport}: the input needs a fixed height and width to lay out the anchors");
        }

        string input = trunk.Graph.Input[0].Name;
        var result = new Proto.ModelProto
        {
            IrVersion = trunk.IrVersion,
            ProducerName = "videomtl",
            ProducerVersion = typeof(SharedModelComposer).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = new Proto.GraphProto { Name = "videomtl_shared" },
        };
        result.OpsetImport.AddRange(trunk.OpsetImport.Select(o => o.Clone()));
        var graph = result.Graph;
        graph.Input.Add(trunk.Graph.Input[0].Clone());

        // The trunk: every node (its outputs must stay exactly as the source computes them).
        string TrunkName(string name) =>
            name.Length == 0 || name == input ? name : trunkOutputs.TryGetValue(name, out string? renamed) ? renamed : $"trunk/{name}";
        CopyNodes(trunk.Graph, TrunkName, graph);
        foreach (var output in trunk.Graph.Output.Where(o => trunkOutputs.ContainsKey(o.Name)))
        {
            var copy = output.Clone();
            copy.Name = trunkOutputs[output.Name];
            graph.Output.Add(copy);
        }

        // The branch: per level, trunk map → convolutions → [batch, 3K, h·w]; the levels side by side → [batch, 3K, anchors].
        var flat = new List<string>();
        for (int level = 0; level < branch.Count; level++)
        {
            string current = TrunkName(trunkMaps[level]);
            for (int l = 0; l < branch[level].Count; l++)
            {
                current = AddConv(graph, branch[level][l], $"kpt/p{level + 3}/{l}", current);
            }

            flat.Add(Node(graph, "Reshape", $"kpt/p{level + 3}/flat", current, Int64s(graph, $"kpt/p{level + 3}/flat_shape", 0, values, -1)));
        }

        string raw = Node(graph, "Concat", "kpt/raw", [.. flat], axis: 2);

        // Decoding, as the pose export does it: [batch, K, 3, anchors]; x, y = (raw·2 + grid)·stride; visibility = sigmoid.
        var (grid, strides) = new AnchorLayout((int)inputDims[2].DimValue, (int)inputDims[3].DimValue, branch.Count).GridAndStrides();
        graph.Initializer.Add(OnnxTensors.CreateFloat("kpt/grid", [1, 1, 2, strides.Length], grid));
        graph.Initializer.Add(OnnxTensors.CreateFloat("kpt/strides", [1, 1, 1, strides.Length], strides));
        graph.Initializer.Add(OnnxTensors.CreateFloat("kpt/two", [], [2f]));
        string split = Node(graph, "Reshape", "kpt/split", raw, Int64s(graph, "kpt/split_shape", 0, values / 3, 3, -1));
        string xy = Node(graph, "Slice", "kpt/xy", split, Int64s(graph, "kpt/xy_start", 0), Int64s(graph, "kpt/xy_end", 2), Int64s(graph, "kpt/axis2", 2));
        string doubled = Node(graph, "Mul", "kpt/xy_doubled", xy, "kpt/two");
        string placed = Node(graph, "Add", "kpt/xy_placed", doubled, "kpt/grid");
        string scaled = Node(graph, "Mul", "kpt/xy_scaled", placed, "kpt/strides");
        string visibilityRaw = Node(graph, "Slice", "kpt/visibility_raw", split, Int64s(graph, "kpt/v_start", 2), Int64s(graph, "kpt/v_end", 3), "kpt/axis2");
        string visibility = Node(graph, "Sigmoid", "kpt/visibility", visibilityRaw);
        string decoded = Node(graph, "Concat", "kpt/decoded", [scaled, visibility], axis: 2);
        string keypoints = Node(graph, "Reshape", "kpt/keypoints", decoded, Int64s(graph, "kpt/keypoints_shape", 0, values, -1));

        // The persons: the trunk's boxes and first class score, then the keypoints.
        string persons = Node(graph, "Slice", "kpt/persons", TrunkName(boxesOutput),
            Int64s(graph, "kpt/p_start", 0), Int64s(graph, "kpt/p_end", PersonRows), Int64s(graph, "kpt/axis1", 1));
        graph.Node.Add(new Proto.NodeProto { Name = "kpt/pose", OpType = "Concat", Input = { persons, keypoints }, Output = { keypointOutput }, Attribute = { OnnxAttributes.Int("axis", 1) } });
        graph.Output.Add(new Proto.ValueInfoProto
        {
            Name = keypointOutput,
            Type = new Proto.TypeProto
            {
                TensorType = new Proto.TypeProto.Types.Tensor
                {
                    ElemType = OnnxTensors.Float,
                    Shape = new Proto.TensorShapeProto
                    {
                        Dim =
                        {
                            new Proto.TensorShapeProto.Types.Dimension { DimParam = "batch" },
                            new Proto.TensorShapeProto.Types.Dimension { DimValue = PersonRows + values },
                            new Proto.TensorShapeProto.Types.Dimension { DimValue = strides.Length },
                        },
                    },
                },
            },
        });
        // The keypoint branch and the mask prototypes behind task gates: the trunk always runs, a head only when asked.
        TaskGates.Apply(graph);
        foreach (var (key, value) in (metadata ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            result.MetadataProps.Add(new Proto.StringStringEntryProto { Key = key, Value = value });
        }

        return result.ToByteArray();
    }

    private static string AddConv(Proto.GraphProto graph, ConvLayer layer, string prefix, string input)
    {
        layer.Validate();
        graph.Initializer.Add(OnnxTensors.CreateFloat($"{prefix}/weight", [layer.OutChannels, layer.InChannels, layer.Kernel, layer.Kernel], layer.Weight));
        graph.Initializer.Add(OnnxTensors.CreateFloat($"{prefix}/bias", [layer.OutChannels], layer.Bias));
        int pad = layer.Kernel / 2;
        var conv = new Proto.NodeProto { Name = $"{prefix}/conv", OpType = "Conv", Input = { input, $"{prefix}/weight", $"{prefix}/bias" }, Output = { $"{prefix}/conv_out" } };
        conv.Attribute.Add(new Proto.AttributeProto { Name = "kernel_shape", Type = Proto.AttributeProto.Types.AttributeType.Ints, Ints = { layer.Kernel, layer.Kernel } });
        conv.Attribute.Add(new Proto.AttributeProto { Name = "pads", Type = Proto.AttributeProto.Types.AttributeType.Ints, Ints = { pad, pad, pad, pad } });
        graph.Node.Add(conv);
        if (!layer.Silu)
        {
            return conv.Output[0];
        }

        // SiLU as the exports write it: x · sigmoid(x).
        string sigmoid = Node(graph, "Sigmoid", $"{prefix}/sigmoid", conv.Output[0]);
        return Node(graph, "Mul", $"{prefix}/silu", conv.Output[0], sigmoid);
    }

    /// <summary>Adds a node whose one output is named after it; returns that name.</summary>
    private static string Node(Proto.GraphProto graph, string op, string name, params string[] inputs) => Node(graph, op, name, inputs, axis: null);

    private static string Node(Proto.GraphProto graph, string op, string name, string[] inputs, int? axis)
    {
        var node = new Proto.NodeProto { Name = name, OpType = op, Output = { $"{name}_out" } };
        node.Input.AddRange(inputs);
        if (axis is { } a)
        {
            node.Attribute.Add(OnnxAttributes.Int("axis", a));
        }

        graph.Node.Add(node);
        return node.Output[0];
    }

    private static string Int64s(Proto.GraphProto graph, string name, params long[] values)
    {
        graph.Initializer.Add(OnnxTensors.CreateInt64(name, [values.Length], values));
        return name;
    }

    private static void CopyNodes(Proto.GraphProto source, Func<string, string> rename, Proto.GraphProto into)
    {
        foreach (var node in source.Node)
        {
            var copy = node.Clone();
            copy.Name = node.Name.Length == 0 ? string.Empty : rename(node.Name);
            for (int i = 0; i < copy.Input.Count; i++)
            {
                copy.Input[i] = rename(copy.Input[i]);
            }

            for (int i = 0; i < copy.Output.Count; i++)
            {
                copy.Output[i] = rename(copy.Output[i]);
            }

            into.Node.Add(copy);
        }

        foreach (var initializer in source.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = rename(initializer.Name);
            into.Initializer.Add(copy);
        }
    }
}
