using System.Text.RegularExpressions;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Sources;

/// <summary>
/// One named source: <c>name=URI</c>, or a URI whose name is derived (a file's name without extension,
/// a camera's device name, a URL's host). Names are safe for file names, URLs and metric labels.
/// A single image, a folder of images or a glob (<c>frames/*.jpg</c>) becomes an image set: each image is
/// one frame, in file-name order.
/// </summary>
public sealed partial record SourceSpec(string Name, VideoSource Source)
{
    /// <summary>Extensions read as still images (declared once, by <see cref="ImageFile"/>).</summary>
    public static IReadOnlySet<string> ImageExtensions => ImageFile.Extensions;

    /// <summary>The images of an image-set source, in order; null for video sources.</summary>
    public IReadOnlyList<string>? ImageFiles { get; init; }

    /// <summary>The tasks this stream asks for (its results and overlays carry only those); null: the run's default.</summary>
    public Core.Model.ModelTasks? Tasks { get; init; }

    public static SourceSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        string? name = null;
        string location = text;
        if (equals > 0 && (scheme < 0 || equals < scheme))
        {
            name = text[..equals].Trim();
            if (!IsValidName(name))
            {
                throw new ArgumentException($"stream name '{name}' is invalid: use 1-64 letters, digits, '-' or '_'");
            }

            location = text[(equals + 1)..];
        }

        var source = VideoSource.Parse(location);
        var images = source.Kind == VideoSourceKind.File ? FindImages(source.Location) : null;
        return new SourceSpec(name ?? DeriveName(source, images is not null), source) { ImageFiles = images };
    }

    /// <summary>Whether a stream name can be used as is in file names, URLs and metric labels.</summary>
    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    private static List<string>? FindImages(string path)
    {
        bool glob = Path.GetFileName(path).AsSpan().IndexOfAny('*', '?') >= 0;
        if (!glob && !Directory.Exists(path))
        {
            return ImageExtensions.Contains(Path.GetExtension(path)) ? [path] : null;
        }

        string folder = glob ? Path.GetDirectoryName(path) is { Length: > 0 } d ? d : "." : path;
        string pattern = glob ? Path.GetFileName(path) : "*";
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"source {path}: folder {folder} does not exist; check the path");
        }

        var files = Directory.EnumerateFiles(folder, pattern, new EnumerationOptions { MatchCasing = MatchCasing.PlatformDefault, IgnoreInaccessible = true })
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new ArgumentException(
                $"source {path} has no image files ({string.Join(' ', ImageExtensions.Order(StringComparer.Ordinal))}); a video must be given as a file, not a folder");
        }

        return files;
    }

    private static string DeriveName(VideoSource source, bool imageSet)
    {
        string raw = source.Kind switch
        {
            VideoSourceKind.File when imageSet && (Directory.Exists(source.Location) || Path.GetFileName(source.Location).AsSpan().IndexOfAny('*', '?') >= 0) =>
                Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory.Exists(source.Location) ? Path.GetFullPath(source.Location) : Path.GetDirectoryName(Path.GetFullPath(source.Location))!)),
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
