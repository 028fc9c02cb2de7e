using System.Text.RegularExpressions;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Sources;

/// <summary>
/// One named source: <c>name=URI</c>, or a URI whose name is derived (a file's name without extension,
/// a camera's device name, a URL's host). Names are safe for file names, URLs and metric labels.
/// </summary>
public sealed partial record SourceSpec(string Name, VideoSource Source)
{
    public static SourceSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (equals > 0 && (scheme < 0 || equals < scheme))
        {
            string name = text[..equals].Trim();
            if (!ValidName().IsMatch(name))
            {
                throw new ArgumentException($"stream name '{name}' is invalid: use 1-64 letters, digits, '-' or '_'");
            }

            return new SourceSpec(name, VideoSource.Parse(text[(equals + 1)..]));
        }

        var source = VideoSource.Parse(text);
        return new SourceSpec(DeriveName(source), source);
    }

    private static string DeriveName(VideoSource source)
    {
        string raw = source.Kind switch
        {
            VideoSourceKind.File => Path.GetFileNameWithoutExtension(source.Location),
            VideoSourceKind.Device => Path.GetFileName(source.Location),
            _ => Uri.TryCreate(source.Location, UriKind.Absolute, out var uri) ? $"{uri.Host}-{uri.Port}" : "stream",
        };
        string name = InvalidChars().Replace(raw, "_").Trim('_');
        return name.Length == 0 ? "stream" : name[..Math.Min(64, name.Length)];
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ValidName();

    [GeneratedRegex("[^A-Za-z0-9_-]+")]
    private static partial Regex InvalidChars();
}
