using System.Globalization;

namespace VideoMtl.Training;

/// <summary>
/// Training progress on stderr: on a terminal one line redrawn in place (bar, epoch, step, loss, OKS, time left);
/// redirected (a log, CI), a line at every tenth of an epoch instead, so a log stays readable.
/// </summary>
public sealed class ProgressBar(TextWriter writer, bool interactive)
{
    private const int Width = 24;
    private bool _drawn;
    private int _lastTenth = -1;

    public void Report(TrainingProgress p)
    {
        var c = CultureInfo.InvariantCulture;
        int filled = p.Steps == 0 ? Width : p.Step * Width / p.Steps;
        string text = string.Create(c,
            $"epoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', Width - filled)}] step {p.Step}/{p.Steps}, loss {p.Loss:0.0000}, OKS {p.Oks:0.000}, {Left(p.Left)} left");
        if (interactive)
        {
            writer.Write($"\r{text}\u001b[K");
            _drawn = true;
            return;
        }

        int tenth = p.Steps == 0 ? 10 : p.Step * 10 / p.Steps;
        if (tenth != _lastTenth || p.Step == p.Steps)
        {
            _lastTenth = tenth;
            writer.WriteLine($"distill: {text}");
        }
    }

    /// <summary>A log line; on a terminal it goes above the bar.</summary>
    public void Line(string text)
    {
        if (_drawn)
        {
            writer.Write("\r\u001b[K");
            _drawn = false;
        }

        writer.WriteLine(text);
    }

    private static string Left(TimeSpan left) =>
        left.TotalHours >= 1 ? left.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : left.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
