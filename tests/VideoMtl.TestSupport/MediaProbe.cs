using System.Diagnostics;
using System.Globalization;

namespace VideoMtl.TestSupport;

/// <summary>Facts about written media from ffprobe: an independent check that a file was finalized and plays.</summary>
public static class MediaProbe
{
    /// <summary>Frames ffprobe decodes from the first video stream.</summary>
    public static int CountFrames(string path)
    {
        var start = new ProcessStartInfo("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffprobe did not start");
        string text = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int frames)
            ? frames
            : throw new InvalidDataException($"ffprobe cannot read {path} (exit {process.ExitCode}): not a finished video");
    }

    /// <summary>Width and height of the first video stream.</summary>
    public static (int Width, int Height) Size(string path)
    {
        string[] parts = StreamEntries(path, "width,height");
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Codec name (e.g. "h264") and frame rate (e.g. "15/1") of the first video stream.</summary>
    public static (string Codec, string FrameRate) CodecAndRate(string path)
    {
        string[] parts = StreamEntries(path, "codec_name,r_frame_rate");
        return (parts[0], parts[1]);
    }

    /// <summary>The given comma-separated stream entries of the first video stream, in ffprobe's order.</summary>
    private static string[] StreamEntries(string path, string entries)
    {
        var start = new ProcessStartInfo("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=" + entries, "-of", "csv=p=0", path])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffprobe did not start");
        string[] parts = process.StandardOutput.ReadToEnd().Trim().Split(',');
        process.WaitForExit();
        return process.ExitCode == 0 && parts.Length == entries.Split(',').Length
            ? parts
            : throw new InvalidDataException($"ffprobe cannot read {path} (exit {process.ExitCode})");
    }
}
