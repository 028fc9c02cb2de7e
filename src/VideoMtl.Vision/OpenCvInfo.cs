using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>What the OpenCV build behind OpenCvSharp offers.</summary>
public static class OpenCvInfo
{
    public static string Version => Cv2.GetVersionString() ?? "unknown";

    /// <summary>
    /// Video I/O backends compiled in, e.g. FFMPEG, V4L2, GSTREAMER: the top-level entries of the "Video I/O"
    /// section of OpenCV's build information that say YES.
    /// </summary>
    public static IReadOnlyList<string> VideoBackends => ParseVideoBackends(Cv2.GetBuildInformation());

    internal static IReadOnlyList<string> ParseVideoBackends(string buildInformation)
    {
        var names = new List<string>();
        bool inSection = false;
        int entryIndent = -1;
        foreach (string line in buildInformation.Split('\n'))
        {
            string trimmed = line.Trim();
            int indent = line.Length - line.TrimStart().Length;
            if (!inSection)
            {
                inSection = trimmed == "Video I/O:";
                continue;
            }

            if (trimmed.Length == 0)
            {
                break; // the section ends at its blank line
            }

            entryIndent = entryIndent < 0 ? indent : entryIndent;
            int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            if (indent != entryIndent || colon <= 0)
            {
                continue; // a detail line of the entry above (avcodec, avformat, ...)
            }

            if (trimmed[(colon + 1)..].TrimStart().StartsWith("YES", StringComparison.Ordinal))
            {
                string name = trimmed[..colon].ToUpperInvariant();
                names.Add(name == "V4L/V4L2" ? "V4L2" : name);
            }
        }

        return names;
    }
}
