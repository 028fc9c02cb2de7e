using System.Globalization;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace VideoMtl.Inference;

/// <summary>One input or output of a model: its name, element type and shape (-1 where a dimension is symbolic).</summary>
/// <param name="SymbolicShape">The dimension names where the model gives them (e.g. "batch"), else empty strings.</param>
public sealed record ModelNode(string Name, TensorElementType ElementType, IReadOnlyList<long> Shape, IReadOnlyList<string> SymbolicShape)
{
    /// <summary>E.g. <c>images float[batch,3,640,640]</c>.</summary>
    public override string ToString()
    {
        var dims = Shape.Select((d, i) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : SymbolicShape.ElementAtOrDefault(i) is { Length: > 0 } s ? s : "?");
        return $"{Name} {ElementType.ToString().ToLowerInvariant()}[{string.Join(',', dims)}]";
    }
}
