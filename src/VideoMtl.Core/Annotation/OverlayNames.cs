namespace VideoMtl.Core.Annotation;

/// <summary>
/// The written form of an <see cref="OverlaySet"/>: a comma-separated list of <c>masks</c>, <c>boxes</c>,
/// <c>skeletons</c>, <c>labels</c>, or <c>all</c> / <c>none</c>, as the preview's <c>?overlays=</c> takes it.
/// </summary>
public static class OverlayNames
{
    /// <summary>The names a list may use, for error messages.</summary>
    public const string Accepted = "masks, boxes, skeletons, labels (comma-separated), all or none";

    private static readonly (string Name, OverlaySet Set)[] Names =
        [("masks", OverlaySet.Masks), ("boxes", OverlaySet.Boxes), ("skeletons", OverlaySet.Skeletons), ("labels", OverlaySet.Labels)];

    /// <summary>Parses a list; false (and the first unknown name) when a name is not one of <see cref="Accepted"/>.</summary>
    public static bool TryParse(string text, out OverlaySet set, out string? unknown)
    {
        ArgumentNullException.ThrowIfNull(text);
        set = OverlaySet.None;
        unknown = null;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string name = part.ToLowerInvariant();
            if (name == "all")
            {
                set |= OverlaySet.All;
            }
            else if (name != "none")
            {
                int found = Array.FindIndex(Names, n => n.Name == name);
                if (found < 0)
                {
                    unknown = part;
                    return false;
                }

                set |= Names[found].Set;
            }
        }

        return true;
    }

    /// <summary>The list form, in drawing order: "masks,boxes", "all", "none".</summary>
    public static string Format(OverlaySet set) => set switch
    {
        OverlaySet.All => "all",
        OverlaySet.None => "none",
        _ => string.Join(',', Names.Where(n => set.HasFlag(n.Set)).Select(n => n.Name)),
    };
}
