using System.ComponentModel;
using System.Diagnostics;

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

    private static string? Ask(string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception)
        {
            return null; // not installed
        }

        if (process is null)
        {
            return null;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(2));
                return null;
            }

            return output.Wait(timeout) ? output.Result : null;
        }
    }
}
