using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>Node attributes for the graphs the builder, the composer and the gates write.</summary>
internal static class OnnxAttributes
{
    /// <summary>An integer attribute, e.g. a Concat's or Gather's axis.</summary>
    public static Proto.AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = Proto.AttributeProto.Types.AttributeType.Int, I = value };
}
