namespace VideoMtl.Onnx;

/// <summary>A model input or output: name, element type and shape (-1 where a dimension is symbolic).</summary>
/// <param name="SymbolicShape">The dimension names ("batch", "" when fixed), one per dimension.</param>
public sealed record NodeMetadata(string Name, TensorElementType ElementType, IReadOnlyList<long> Shape, IReadOnlyList<string> SymbolicShape)
{
    public override string ToString()
    {
        var dims = Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : (SymbolicShape[i] is { Length: > 0 } s ? s : "?"));
        return $"{Name} {ElementType.ToString().ToLowerInvariant()}[{string.Join(',', dims)}]";
    }
}
