using System.ComponentModel;
using System.Diagnostics;
using VideoMtl.Vision;

namespace VideoMtl.Media;

/// <summary>
/// One ffmpeg child: started with its three standard streams redirected, its stderr drained all the time
/// (a full stderr pipe would block it) into the last few lines that explain a failure, and ended by
/// <see cref="Kill"/>, which also reaps it. The readers and writers built on it own exactly one each.
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private const int TailLines = 4;

    private readonly Queue<string> _tail = new();
    private readonly Func<string, string> _redact;
    private readonly Task _stderrReader;

    private FfmpegProcess(Process process, Func<string, string> redact)
    {
        Process = process;
        _redact = redact;
        _stderrReader = Task.Run(DrainStderrAsync);
    }

    public Process Process { get; }

    /// <summary>The last lines ffmpeg wrote to stderr, joined with " | ".</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(" | ", _tail);
            }
        }
    }

    /// <param name="purpose">What it is started for, for the error when it cannot be (e.g. "write out.mp4").</param>
    /// <param name="redact">Applied to every stderr line kept (credentials in URLs).</param>
    public static FfmpegProcess Start(IEnumerable<string> arguments, string purpose, Func<string, string>? redact = null)
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            var process = Process.Start(start) ?? throw new VisionException(VisionErrorKind.OpenFailed, $"ffmpeg did not start to {purpose}");
            return new FfmpegProcess(process, redact ?? (line => line));
        }
        catch (Win32Exception e)
        {
            throw new VisionException(VisionErrorKind.OpenFailed, $"cannot start ffmpeg to {purpose} ({e.Message}): install Debian's ffmpeg (./setup.sh does)");
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for ffmpeg to end by itself; true when it did.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        bool exited = Process.WaitForExit(timeout);
        if (exited)
        {
            _stderrReader.Wait(TimeSpan.FromSeconds(2)); // its last words are in the tail
        }

        return exited;
    }

    /// <summary>Kills ffmpeg if it still runs and reaps it (never waits long).</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        _stderrReader.Wait(TimeSpan.FromSeconds(2));
    }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }

    private async Task DrainStderrAsync()
    {
        try
        {
            while (await Process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_tail)
                {
                    _tail.Enqueue(_redact(line.Trim()));
                    if (_tail.Count > TailLines)
                    {
                        _tail.Dequeue();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the process went away under the reader
        }
    }
}
