using VideoMtl.Vision;

namespace VideoMtl.Media;

/// <summary>What the ffmpeg on PATH is: its version line and which H.264 encoders it has (for <c>doctor</c>).</summary>
public sealed record FfmpegInfo(string Version, IReadOnlyList<string> H264Encoders)
{
    private static readonly string[] KnownH264Encoders = ["libx264", "h264_nvenc", "h264_vaapi", "h264_qsv"];

    /// <summary>Asks ffmpeg; null when there is none on PATH (or it does not answer within <paramref name="timeout"/>).</summary>
    public static FfmpegInfo? Probe(TimeSpan timeout)
    {
        string? version = Ask(["-hide_banner", "-version"], timeout);
        string? encoders = version is null ? null : Ask(["-hide_banner", "-encoders"], timeout);
        if (version is null || encoders is null)
        {
            return null;
        }

        var found = KnownH264Encoders
            .Where(name => encoders.Split('\n').Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var n, ..] && n == name))
            .ToList();
        return new FfmpegInfo(version.Split('\n')[0].Trim(), found);
    }

    /// <summary>ffmpeg's stdout for <paramref name="arguments"/>; null when it is not installed or does not answer in time.</summary>
    private static string? Ask(string[] arguments, TimeSpan timeout)
    {
        FfmpegProcess ffmpeg;
        try
        {
            ffmpeg = FfmpegProcess.Start(arguments, "describe itself");
        }
        catch (VisionException)
        {
            return null; // not installed
        }

        using (ffmpeg) // killed and reaped on the way out, answered or not
        {
            var output = ffmpeg.Process.StandardOutput.ReadToEndAsync();
            return ffmpeg.WaitForExit(timeout) && output.Wait(timeout) ? output.Result : null;
        }
    }
}
