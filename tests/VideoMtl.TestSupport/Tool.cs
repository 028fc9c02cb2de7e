using System.Diagnostics;

namespace VideoMtl.TestSupport;

/// <summary>Runs the real command-line tools tests check against (promtool, prometheus, ffmpeg, ...).</summary>
public static class Tool
{
    /// <summary>Runs a tool to completion with optional stdin; returns the exit code and stdout+stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, IEnumerable<string> args, string? stdin, int timeoutSeconds = 60)
    {
        using var process = Start(tool, [.. args]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish in {timeoutSeconds} s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts a tool with every stream redirected; a missing tool fails with the install hint.</summary>
    public static Process Start(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed: run ./setup.sh (it installs the Debian packages the tests use)", e);
        }
    }
}
