using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// What a model costs per image: the floating-point operations (2 × multiply-adds) of its convolutions at its
/// input size, the way model zoos quote GFLOPs (convolutions are all but all of a YOLO network's arithmetic).
/// Every convolution's output shape is read from one ONNX Runtime run on a blank image with those outputs added,
/// so no shape inference of our own can be wrong.
/// </summary>
public static class ModelComplexity
{
    /// <param name="side">The input side used when the model's input size is symbolic.</param>
    public static double GigaFlops(byte[] modelBytes, int side = 640) => Cost(modelBytes, side).Total;

    /// <summary>
    /// The whole model's GFLOPs and, for a model with task gates, the share behind each gate (by its input, e.g.
    /// pose_rows): what a batch that skips the task saves.
    /// </summary>
    public static ModelCost Cost(byte[] modelBytes, int side = 640)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        var model = Proto.ModelProto.Parser.ParseFrom(modelBytes);
        var graph = model.Graph;
        // Gated parts are measured in place (a convolution inside an If cannot be made a graph output).
        var gated = TaskGates.Inline(graph);
        var weights = graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.ToArray(), StringComparer.Ordinal);
        var convs = graph.Node.Where(n => n.OpType == "Conv" && n.Input.Count >= 2 && weights.ContainsKey(n.Input[1])).ToList();
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var conv in convs.Where(c => !outputs.Contains(c.Output[0])))
        {
            graph.Output.Add(new Proto.ValueInfoProto
            {
                Name = conv.Output[0],
                Type = new Proto.TypeProto { TensorType = new Proto.TypeProto.Types.Tensor { ElemType = graph.Input[0].Type.TensorType.ElemType } },
            });
        }

        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var dims = graph.Input[0].Type.TensorType.Shape.Dim;
        long Dim(int i, long fallback) => i < dims.Count && dims[i].HasDimValue && dims[i].DimValue > 0 ? dims[i].DimValue : fallback;
        long[] shape = [1, Dim(1, 3), Dim(2, side), Dim(3, side)];
        using var input = OrtValue.CreateTensorValueFromMemory(new float[shape.Aggregate(1L, (a, b) => a * b)], shape);
        var names = convs.Select(c => c.Output[0]).ToList();
        using var results = session.Run(new RunOptions(), [graph.Input[0].Name], [input], names);
        double multiplyAdds = 0;
        var behindGate = gated.Keys.ToDictionary(k => k, _ => 0.0, StringComparer.Ordinal);
        for (int i = 0; i < convs.Count; i++)
        {
            long[] w = weights[convs[i].Input[1]]; // [out, in / groups, kh, kw]
            long[] y = results[i].GetTensorTypeAndShape().Shape; // [1, out, h, w]
            double conv = (double)w.Aggregate(1L, (a, b) => a * b) * y[2] * y[3];
            multiplyAdds += conv;
            foreach (var (flag, outputsBehind) in gated)
            {
                if (outputsBehind.Contains(convs[i].Output[0]))
                {
                    behindGate[flag] += conv;
                }
            }
        }

        return new ModelCost(2 * multiplyAdds / 1e9, behindGate.ToDictionary(p => p.Key, p => 2 * p.Value / 1e9, StringComparer.Ordinal));
    }
}
