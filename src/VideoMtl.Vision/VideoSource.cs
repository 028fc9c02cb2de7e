using System.Globalization;

namespace VideoMtl.Vision;

/// <summary>
/// A parsed source argument: a file path, a V4L2 device (<c>/dev/videoN</c> or a bare index), or a URL
/// (<c>rtsp://</c>, <c>http(s)://</c>, <c>udp://</c>, ...). <see cref="DisplayName"/> never contains credentials.
/// </summary>
public sealed record VideoSource
{
    private static readonly string[] UrlSchemes = ["rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp", "rtp", "srt"];

    private VideoSource(VideoSourceKind kind, string location, int deviceIndex)
    {
        Kind = kind;
        Location = location;
        DeviceIndex = deviceIndex;
    }

    public VideoSourceKind Kind { get; }

    /// <summary>What OpenCV opens: a path, a device path or a URL (with any credentials it carries).</summary>
    public string Location { get; }

    /// <summary>The V4L2 index for a device given as a number, else -1.</summary>
    public int DeviceIndex { get; }

    public bool IsLive => Kind != VideoSourceKind.File;

    /// <summary>The location with any user:password removed, safe for logs, metrics and errors.</summary>
    public string DisplayName => Kind == VideoSourceKind.Url ? RedactCredentials(Location) : Location;

    public static VideoSource Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, "source is empty: give a file path, /dev/videoN, a camera index or a URL");
        }

        string trimmed = value.Trim();
        int schemeEnd = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            string scheme = trimmed[..schemeEnd].ToLowerInvariant();
            if (scheme == "file")
            {
                return File(trimmed[(schemeEnd + 3)..]);
            }

            if (Array.IndexOf(UrlSchemes, scheme) < 0)
            {
                throw new VisionException(
                    VisionErrorKind.InvalidArgument,
                    $"unsupported source scheme '{scheme}://' in {RedactCredentials(trimmed)}: use rtsp, http(s), udp, tcp, rtmp, srt or a file path");
            }

            return new VideoSource(VideoSourceKind.Url, trimmed, -1);
        }

        if (int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return new VideoSource(VideoSourceKind.Device, $"/dev/video{index}", index);
        }

        if (trimmed.StartsWith("/dev/video", StringComparison.Ordinal))
        {
            return new VideoSource(VideoSourceKind.Device, trimmed, -1);
        }

        return File(trimmed);
    }

    public static VideoSource File(string path) => new(VideoSourceKind.File, path, -1);

    /// <summary>Replaces the user-info part of a URL (<c>scheme://user:pass@host</c>) with <c>***</c>.</summary>
    public static string RedactCredentials(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return url;
        }

        int authorityStart = schemeEnd + 3;
        int authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }

        int at = url.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        return at < 0 ? url : string.Concat(url.AsSpan(0, authorityStart), "***", url.AsSpan(at));
    }

    public override string ToString() => DisplayName;
}
