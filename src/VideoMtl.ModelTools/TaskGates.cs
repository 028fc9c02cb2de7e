using Proto = global::Onnx;
using VideoMtl.Inference;

namespace VideoMtl.ModelTools;

/// <summary>
/// Makes a task's work skippable inside one model, row by row: the nodes only a task's output needs (the
/// composite's pose network, a shared model's keypoint branch, the mask prototypes) move into the then-branch of
/// an ONNX <c>If</c>. An int64 input lists the batch rows that want the task (<c>pose_rows</c>,
/// <c>segment_rows</c>); the branch first gathers those rows of every activation it reads and computes only them,
/// so the task's output has one row per listed image, in the listed order. With no row listed the If takes its
/// else-branch, an empty tensor, and the part is skipped entirely (asking <c>Run</c> for fewer outputs skips
/// nothing: every node still runs). The nodes are moved, not changed: a row computes what it computed before.
/// </summary>
internal static class TaskGates
{
    /// <summary>Gated outputs and their row inputs (the model contract: inputs named TASK_rows, int64 [rows]).</summary>
    public static IReadOnlyList<(string Output, string Flag)> Gates { get; } = [("seg_protos", TaskGateNames.SegmentRows), ("pose", TaskGateNames.PoseRows)];

    /// <summary>Gates every output of <see cref="Gates"/> the graph has; returns the flags added.</summary>
    public static IReadOnlyList<string> Apply(Proto.GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var added = new List<string>();
        foreach (var (output, flag) in Gates)
        {
            var declared = graph.Output.FirstOrDefault(o => o.Name == output);
            if (declared is null || graph.Input.Any(i => i.Name == flag))
            {
                continue;
            }

            var mine = Needed(graph, [output]);
            var theirs = Needed(graph, graph.Output.Select(o => o.Name).Where(n => n != output));
            var exclusive = Enumerable.Range(0, graph.Node.Count).Where(i => mine.Contains(i) && !theirs.Contains(i)).ToList();
            if (exclusive.Count == 0)
            {
                continue;
            }

            string inner = output + "/then";
            string used = TaskGateNames.Used(flag); // the rows computed: the listed ones, then the auto rows that qualified
            var then = new Proto.GraphProto { Name = $"{flag}_then" };
            var moved = exclusive.Select(i => graph.Node[i]).ToList();
            var producedHere = moved.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
            foreach (var node in moved)
            {
                var copy = node.Clone();
                for (int o = 0; o < copy.Output.Count; o++)
                {
                    if (copy.Output[o] == output)
                    {
                        copy.Output[o] = inner;
                    }
                }

                then.Node.Add(copy);
            }

            // Weights only the moved nodes read go with them: a subgraph's own initializers are constants to ONNX
            // Runtime (pre-packed, the same kernels as before), values from the outer scope are not.
            var readElsewhere = graph.Node.Where((_, i) => !exclusive.Contains(i)).SelectMany(ReadValues).ToHashSet(StringComparer.Ordinal);
            readElsewhere.UnionWith(graph.Output.Select(o => o.Name));
            var readHere = moved.SelectMany(ReadValues).ToHashSet(StringComparer.Ordinal);
            foreach (var initializer in graph.Initializer.Where(t => readHere.Contains(t.Name) && !readElsewhere.Contains(t.Name)).ToList())
            {
                graph.Initializer.Remove(initializer);
                then.Initializer.Add(initializer);
            }

            // Shapes known for the moved values go with them: the outer graph no longer defines those names.
            foreach (var info in graph.ValueInfo.Where(v => producedHere.Contains(v.Name)).ToList())
            {
                graph.ValueInfo.Remove(info);
                then.ValueInfo.Add(info);
            }

            // Only the listed rows: every activation the branch reads from outside (the image, the trunk's maps)
            // is gathered first, and the branch reads the gathered rows instead.
            var constants = graph.Initializer.Select(t => t.Name).Concat(then.Initializer.Select(t => t.Name)).ToHashSet(StringComparer.Ordinal);
            var outside = readHere.Where(v => v.Length > 0 && !producedHere.Contains(v) && !constants.Contains(v)).Order(StringComparer.Ordinal).ToList();
            var gathered = outside.ToDictionary(v => v, v => $"{v}/{flag}", StringComparer.Ordinal);
            foreach (var node in then.Node)
            {
                for (int i = 0; i < node.Input.Count; i++)
                {
                    if (gathered.TryGetValue(node.Input[i], out string? rows))
                    {
                        node.Input[i] = rows;
                    }
                }
            }

            for (int g = outside.Count - 1; g >= 0; g--)
            {
                then.Node.Insert(0, new Proto.NodeProto
                {
                    OpType = "Gather",
                    Name = $"{flag}/gather/{outside[g]}",
                    Input = { outside[g], used },
                    Output = { gathered[outside[g]] },
                    Attribute = { OnnxAttributes.Int("axis", 0) },
                });
            }

            then.Output.Add(new Proto.ValueInfoProto { Name = inner, Type = FloatTensor() });
            var empty = new Proto.TensorProto { Name = output + "/empty", DataType = OnnxTensors.Float };
            empty.Dims.Add(EmptyShape(declared));
            var otherwise = new Proto.GraphProto { Name = $"{flag}_else" };
            otherwise.Node.Add(new Proto.NodeProto
            {
                OpType = "Constant",
                Name = $"{flag}/empty",
                Output = { output + "/else" },
                Attribute = { new Proto.AttributeProto { Name = "value", Type = Proto.AttributeProto.Types.AttributeType.Tensor, T = empty } },
            });
            otherwise.Output.Add(new Proto.ValueInfoProto { Name = output + "/else", Type = FloatTensor() });

            var gate = new Proto.NodeProto
            {
                OpType = "If",
                Name = $"{flag}/if",
                Input = { $"{flag}/any" },
                Output = { output },
                Attribute =
                {
                    new Proto.AttributeProto { Name = "then_branch", Type = Proto.AttributeProto.Types.AttributeType.Graph, G = then },
                    new Proto.AttributeProto { Name = "else_branch", Type = Proto.AttributeProto.Types.AttributeType.Graph, G = otherwise },
                },
            };

            for (int i = exclusive.Count - 1; i >= 0; i--)
            {
                graph.Node.RemoveAt(exclusive[i]);
            }

            // The rows to compute, the condition (any row: Size > 0) and the If go at the end of the graph: the If's
            // output feeds only a graph output, and an auto selection reads seg_boxes, which is defined by then.
            var scores = AutoScores(graph, output);
            if (scores is { } scoreRows)
            {
                AddAutoSelection(graph, flag, scoreRows.Start, scoreRows.End, used);
            }
            else
            {
                graph.Node.Add(new Proto.NodeProto { OpType = "Identity", Name = $"{flag}/used", Input = { flag }, Output = { used } });
            }

            graph.Node.Add(new Proto.NodeProto { OpType = "Size", Name = $"{flag}/count", Input = { used }, Output = { $"{flag}/count" } });
            graph.Node.Add(new Proto.NodeProto { OpType = "Greater", Name = $"{flag}/any", Input = { $"{flag}/count", $"{flag}/zero" }, Output = { $"{flag}/any" } });
            graph.Node.Add(gate);
            graph.Initializer.Add(OnnxTensors.CreateInt64($"{flag}/zero", [], [0L]));
            graph.Input.Add(RowsInfo(flag));
            graph.Output.Add(RowsInfo(used));

            // One row per listed image: the output's first dimension is the rows input's, not the batch.
            if (declared.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape)
            {
                shape.Dim[0] = new Proto.TensorShapeProto.Types.Dimension { DimParam = flag };
            }

            added.Add(flag);
        }

        return added;
    }

    /// <summary>
    /// The inverse of <see cref="Apply"/>: every gate's then-branch back in the graph in place of its If (without the
    /// row gathering), the rows inputs and conditions gone. Returns, per rows input, the outputs of the nodes that
    /// were gated (to cost a task's share of the model).
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Inline(Proto.GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var gated = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            string? flag = node.OpType == "If" && node.Input.Count == 1 ? Gates.Select(g => g.Flag).FirstOrDefault(f => node.Input[0] == $"{f}/any") : null;
            if (flag is null)
            {
                continue;
            }

            var then = node.Attribute.First(a => a.Name == "then_branch").G;
            string inner = then.Output[0].Name;
            var ungathered = then.Node.Where(n => n.OpType == "Gather" && n.Name.StartsWith($"{flag}/gather/", StringComparison.Ordinal))
                .ToDictionary(n => n.Output[0], n => n.Input[0], StringComparer.Ordinal);
            graph.Node.RemoveAt(i);
            int at = i;
            foreach (var moved in then.Node.Where(n => !ungathered.ContainsKey(n.Output[0])))
            {
                var copy = moved.Clone();
                for (int o = 0; o < copy.Input.Count; o++)
                {
                    if (ungathered.TryGetValue(copy.Input[o], out string? original))
                    {
                        copy.Input[o] = original;
                    }
                }

                for (int o = 0; o < copy.Output.Count; o++)
                {
                    if (copy.Output[o] == inner)
                    {
                        copy.Output[o] = node.Output[0];
                    }
                }

                graph.Node.Insert(at++, copy);
            }

            graph.ValueInfo.Add(then.ValueInfo);
            graph.Initializer.Add(then.Initializer);
            gated[flag] = then.Node.Where(n => !ungathered.ContainsKey(n.Output[0])).SelectMany(n => n.Output)
                .Select(o => o == inner ? node.Output[0] : o).ToHashSet(StringComparer.Ordinal);
            // The selection of rows (and its auto part) goes with the gate: the nodes and constants named after it,
            // its inputs, and the output saying which rows were computed.
            foreach (var selection in graph.Node.Where(n => n.Name.StartsWith($"{flag}/", StringComparison.Ordinal)).ToList())
            {
                if (graph.Node.IndexOf(selection) < at)
                {
                    at--;
                }

                graph.Node.Remove(selection);
            }

            foreach (var constant in graph.Initializer.Where(t => t.Name.StartsWith($"{flag}/", StringComparison.Ordinal)).ToList())
            {
                graph.Initializer.Remove(constant);
            }

            foreach (var rowsInput in graph.Input.Where(v => v.Name == flag || v.Name == TaskGateNames.AutoRows(flag)).ToList())
            {
                graph.Input.Remove(rowsInput);
            }

            foreach (var usedOutput in graph.Output.Where(o => o.Name == TaskGateNames.Used(flag)).ToList())
            {
                graph.Output.Remove(usedOutput);
            }

            if (!graph.Node.Any(n => n.Input.Contains(TaskGateNames.AutoThreshold)) && graph.Input.FirstOrDefault(v => v.Name == TaskGateNames.AutoThreshold) is { } threshold)
            {
                graph.Input.Remove(threshold);
            }
            // Always computed again: the output's rows are the batch's.
            if (graph.Output.FirstOrDefault(o => o.Name == node.Output[0])?.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape
                && graph.Input[0].Type?.TensorType?.Shape is { Dim.Count: > 0 } inputShape)
            {
                shape.Dim[0] = inputShape.Dim[0].Clone();
            }

            i = at - 1;
        }

        return gated;
    }

    /// <summary>Indices of the nodes the given outputs need (backwards through producers).</summary>
    private static HashSet<int> Needed(Proto.GraphProto graph, IEnumerable<string> outputs)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            foreach (string o in graph.Node[i].Output)
            {
                producer[o] = i;
            }
        }

        var needed = new HashSet<int>();
        var pending = new Stack<string>(outputs);
        while (pending.TryPop(out string? value))
        {
            if (producer.TryGetValue(value, out int node) && needed.Add(node))
            {
                foreach (string input in graph.Node[node].Input)
                {
                    pending.Push(input);
                }

                // Values a subgraph reads from this scope count as the node's inputs too.
                foreach (var attribute in graph.Node[node].Attribute.Where(a => a.G is not null))
                {
                    foreach (string read in attribute.G.Node.SelectMany(n => n.Input))
                    {
                        pending.Push(read);
                    }
                }
            }
        }

        return needed;
    }

    /// <summary>
    /// Which rows of seg_boxes decide an auto row (class scores come after the 4 box values): the person score for
    /// pose, every class score for the masks. Null when the model has no seg_boxes of a known layout.
    /// </summary>
    private static (long Start, long End)? AutoScores(Proto.GraphProto graph, string output)
    {
        long Channels(string name) =>
            graph.Output.FirstOrDefault(o => o.Name == name)?.Type?.TensorType?.Shape?.Dim is { Count: > 1 } dims && dims[1].HasDimValue ? dims[1].DimValue : -1;
        long boxes = Channels("seg_boxes"), prototypes = Channels("seg_protos");
        if (boxes < 0)
        {
            return null;
        }

        if (output == "pose")
        {
            return (4, 5);
        }

        // seg_boxes: 4 box values, C class scores, as many mask coefficients as there are prototypes.
        return prototypes > 0 && boxes - 4 - prototypes > 0 ? (4, boxes - prototypes) : null;
    }

    /// <summary>
    /// The rows a gate computes: the listed ones, then those of the auto rows whose best score in seg_boxes rows
    /// [start, end) passes the threshold (auto: pose only for frames with a person, masks only for frames with objects).
    /// </summary>
    private static void AddAutoSelection(Proto.GraphProto graph, string flag, long start, long end, string used)
    {
        string auto = TaskGateNames.AutoRows(flag);
        string Node(string op, string name, string[] inputs, params Proto.AttributeProto[] attributes)
        {
            var node = new Proto.NodeProto { OpType = op, Name = $"{flag}/auto/{name}", Output = { $"{flag}/auto/{name}" } };
            node.Input.Add(inputs);
            node.Attribute.Add(attributes);
            graph.Node.Add(node);
            return node.Output[0];
        }

        graph.Initializer.Add(OnnxTensors.CreateInt64($"{flag}/auto/start", [1], [start]));
        graph.Initializer.Add(OnnxTensors.CreateInt64($"{flag}/auto/end", [1], [end]));
        graph.Initializer.Add(OnnxTensors.CreateInt64($"{flag}/auto/axis1", [1], [1L]));
        graph.Initializer.Add(OnnxTensors.CreateInt64($"{flag}/auto/axes", [2], [1L, 2L]));
        graph.Initializer.Add(OnnxTensors.CreateInt64($"{flag}/auto/flat", [1], [-1L]));
        // Only the offered rows are looked at: a batch with none offered (no auto stream) costs nothing here.
        string offeredBoxes = Node("Gather", "offered", ["seg_boxes", auto], OnnxAttributes.Int("axis", 0));
        string scores = Node("Slice", "scores", [offeredBoxes, $"{flag}/auto/start", $"{flag}/auto/end", $"{flag}/auto/axis1"]);
        string best = Node("ReduceMax", "best", [scores, $"{flag}/auto/axes"], OnnxAttributes.Int("keepdims", 0));
        string present = Node("Greater", "present", [best, TaskGateNames.AutoThreshold]);
        string nonzero = Node("NonZero", "nonzero", [present]);
        string index = Node("Reshape", "index", [nonzero, $"{flag}/auto/flat"]);
        string picked = Node("Gather", "picked", [auto, index], OnnxAttributes.Int("axis", 0));
        graph.Node.Add(new Proto.NodeProto { OpType = "Concat", Name = $"{flag}/used", Input = { flag, picked }, Output = { used }, Attribute = { OnnxAttributes.Int("axis", 0) } });
        graph.Input.Add(RowsInfo(auto));
        if (!graph.Input.Any(i => i.Name == TaskGateNames.AutoThreshold))
        {
            graph.Input.Add(new Proto.ValueInfoProto
            {
                Name = TaskGateNames.AutoThreshold,
                Type = new Proto.TypeProto { TensorType = new Proto.TypeProto.Types.Tensor { ElemType = OnnxTensors.Float, Shape = new Proto.TensorShapeProto() } },
            });
        }
    }

    private static Proto.ValueInfoProto RowsInfo(string name) => new()
    {
        Name = name,
        Type = new Proto.TypeProto
        {
            TensorType = new Proto.TypeProto.Types.Tensor
            {
                ElemType = OnnxTensors.Int64,
                Shape = new Proto.TensorShapeProto { Dim = { new Proto.TensorShapeProto.Types.Dimension { DimParam = name } } },
            },
        },
    };

    /// <summary>The values a node reads: its inputs, and what its subgraphs read from outside them.</summary>
    private static IEnumerable<string> ReadValues(Proto.NodeProto node) =>
        node.Input.Concat(node.Attribute.Where(a => a.G is not null).SelectMany(a => a.G.Node.SelectMany(n => n.Input)));

    /// <summary>[0, the rest of the declared shape] when it is known, else [0].</summary>
    private static IEnumerable<long> EmptyShape(Proto.ValueInfoProto output)
    {
        var dims = output.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count == 0 || dims.Skip(1).Any(d => !d.HasDimValue))
        {
            return [0];
        }

        return [0, .. dims.Skip(1).Select(d => d.DimValue)];
    }

    private static Proto.TypeProto FloatTensor() => new() { TensorType = new Proto.TypeProto.Types.Tensor { ElemType = OnnxTensors.Float } };
}
