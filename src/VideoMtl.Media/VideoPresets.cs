namespace VideoMtl.Media;

/// <summary>The x264 speed presets the mp4 output can use (quality fixed at CRF 23 whatever the preset).</summary>
public static class VideoPresets
{
    /// <summary>Fastest first.</summary>
    public static readonly IReadOnlyList<string> X264 = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>
    /// The name the FFmpeg-backend writer of earlier versions went by: it always encoded at x264's "medium",
    /// so settings files that still say it get exactly that.
    /// </summary>
    public const string LegacyFfmpeg = "ffmpeg";

    /// <summary>About a third of the CPU of "medium" per frame at the same quality (measured on vtest.avi).</summary>
    public const string Default = "veryfast";

    public static bool IsKnown(string preset) => preset == LegacyFfmpeg || X264.Contains(preset);

    /// <summary>The x264 preset a known preset name stands for.</summary>
    public static string ToX264(string preset) => preset == LegacyFfmpeg ? "medium" : preset;

    /// <summary>For error messages: every accepted value.</summary>
    public static string Listing => $"{string.Join(", ", X264)} (or {LegacyFfmpeg}, the same as medium)";
}
