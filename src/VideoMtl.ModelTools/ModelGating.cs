using Google.Protobuf;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// <c>model gate</c>: task gates for a model made before them (a distilled model, an older build): the same
/// graph with its optional parts behind gates, written beside it. The outputs of every part are unchanged.
/// </summary>
public static class ModelGating
{
    /// <returns>The gates added (none when the model already has them or has no optional output).</returns>
    public static IReadOnlyList<string> Write(string modelPath, string outputPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"model not found: {modelPath}");
        }

        Proto.ModelProto model;
        try
        {
            model = Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{modelPath} is not an ONNX model: {e.Message}");
        }

        var gates = TaskGates.Apply(model.Graph);
        ModelFile.WriteWhole(outputPath, model.ToByteArray());
        return gates;
    }
}
