namespace VideoMtl.ModelTools;

/// <summary>GFLOPs per image: the whole model, and the part behind each task gate (by gate input, e.g. pose_rows).</summary>
public sealed record ModelCost(double Total, IReadOnlyDictionary<string, double> Gated)
{
    /// <summary>GFLOPs of a run with only the given gates on (every part that is not gated always runs).</summary>
    public double WithGatesOn(IEnumerable<string> on)
    {
        var open = on.ToHashSet(StringComparer.Ordinal);
        return Total - Gated.Where(g => !open.Contains(g.Key)).Sum(g => g.Value);
    }
}
