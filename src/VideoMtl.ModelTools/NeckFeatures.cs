using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// Opens up an Ultralytics export for distillation: dequantized (float Conv instead of ConvInteger), with the
/// feature maps its head reads, the neck's outputs at strides 8, 16 and 32, added as the outputs
/// <c>neck_p3</c>, <c>neck_p4</c>, <c>neck_p5</c> beside its own. The head is the last module of the export
/// (<c>/model.N/</c> with the largest N: Detect, Segment or Pose); its inputs are the tensors its nodes read that
/// other modules produce. A segmentation head reads P3 twice (boxes and mask prototypes) but it is one tensor.
/// </summary>
public static partial class NeckFeatures
{
    /// <summary>The added outputs, finest first.</summary>
    public static readonly IReadOnlyList<string> OutputNames = ["neck_p3", "neck_p4", "neck_p5"];

    /// <summary>The export's bytes, rewritten; <paramref name="headInputs"/> are the source tensor names behind the new outputs.</summary>
    public static byte[] Expose(string exportPath, out IReadOnlyList<string> headInputs)
    {
        var model = LoadDequantized(exportPath);
        var graph = model.Graph;
        var external = HeadInputs(graph, exportPath, out _);
        for (int i = 0; i < external.Count; i++)
        {
            // An Identity gives the feature map its public name without renaming the tensor the head reads.
            graph.Node.Add(new Proto.NodeProto { Name = $"/expose/{OutputNames[i]}", OpType = "Identity", Input = { external[i] }, Output = { OutputNames[i] } });
            graph.Output.Add(new Proto.ValueInfoProto
            {
                Name = OutputNames[i],
                Type = new Proto.TypeProto { TensorType = new Proto.TypeProto.Types.Tensor { ElemType = OnnxTensors.Float } },
            });
        }

        headInputs = external;
        return model.ToByteArray();
    }

    /// <summary>An export parsed and dequantized (float Conv for ConvInteger, the quantizer nodes gone).</summary>
    internal static Proto.ModelProto LoadDequantized(string exportPath)
    {
        if (!File.Exists(exportPath))
        {
            throw new FileNotFoundException($"{exportPath}: model not found (give an Ultralytics ONNX export)", exportPath);
        }

        Proto.ModelProto model;
        try
        {
            model = Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(exportPath));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{exportPath} is not an ONNX model: {e.Message}");
        }

        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new InvalidDataException($"{exportPath} is not an ONNX model (no graph)");
        }

        QuantizedConvRewriter.Rewrite(model.Graph);
        DeadNodeEliminator.Run(model.Graph);
        return model;
    }

    /// <summary>The feature maps the export's head (its last module) reads, finest first; <paramref name="head"/> is that module's number.</summary>
    internal static List<string> HeadInputs(Proto.GraphProto graph, string source, out int head)
    {
        int last = graph.Node.Select(n => Module(n.Name)).DefaultIfEmpty(-1).Max();
        head = last;
        if (last < 0)
        {
            throw new InvalidDataException($"{source}: no '/model.N/' node names: not an Ultralytics export");
        }

        var index = new OnnxGraphIndex(graph);
        var external = new List<string>();
        foreach (var node in graph.Node.Where(n => Module(n.Name) == last))
        {
            foreach (string input in node.Input)
            {
                if (input.Length > 0 && !external.Contains(input) && index.Producers.TryGetValue(input, out var producer)
                    && producer.OpType != "Constant" && Module(producer.Name) is >= 0 and var m && m < last)
                {
                    external.Add(input);
                }
            }
        }

        if (external.Count != OutputNames.Count)
        {
            throw new InvalidDataException($"{source}: its head (module {last}) reads {external.Count} feature maps ({string.Join(", ", external)}), expected 3");
        }

        // Finest first: the modules producing P3, P4, P5 come in that order in every YOLOv8 neck.
        return [.. external.OrderBy(t => Module(index.Producers[t].Name))];
    }

    internal static int Module(string nodeName) =>
        ModuleName().Match(nodeName) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;

    [GeneratedRegex(@"^/model\.(\d+)/")]
    private static partial Regex ModuleName();
}
