namespace VideoMtl.Media;

/// <summary>
/// How the mp4 output is encoded: one of x264's speed presets on the CPU (quality fixed at CRF 23 whatever
/// the preset), or <see cref="Nvenc"/>, NVIDIA's hardware H.264 encoder, on a machine with the driver.
/// </summary>
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

    /// <summary>FFmpeg's <c>h264_nvenc</c> (constant quality 23, its balanced preset p4): no CPU for encoding.</summary>
    public const string Nvenc = "nvenc";

    public static bool IsKnown(string preset) => preset == LegacyFfmpeg || preset == Nvenc || X264.Contains(preset);

    /// <summary>The x264 preset a known preset name stands for.</summary>
    public static string ToX264(string preset) => preset == LegacyFfmpeg ? "medium" : preset;

    /// <summary>For error messages: every accepted value.</summary>
    public static string Listing => $"{string.Join(", ", X264)}, {Nvenc} (NVIDIA GPUs), or {LegacyFfmpeg} (the same as medium)";
}
