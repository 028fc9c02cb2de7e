using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>One prepared source model and how its names appear in the composite.</summary>
/// <param name="Prefix">Prepended (with '/') to every node, tensor and initializer name of this head.</param>
/// <param name="OutputNames">Source output name → composite output name.</param>
internal sealed record HeadGraph(string Prefix, Proto.ModelProto Model, IReadOnlyDictionary<string, string> OutputNames);
