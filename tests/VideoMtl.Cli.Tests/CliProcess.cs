using System.Diagnostics;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// Runs the built CLI in its own process, as a user would: each run loads ONNX Runtime afresh, so a
/// bad library path can be tested without disturbing the test process.
/// </summary>
internal static class CliProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(IDictionary<string, string?>? environment, params string[] args) =>
        RunOn(null, environment, args);

    /// <summary>As <see cref="Run"/>, with the process pinned to <paramref name="cpuList"/> (taskset -c) when given.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunOn(string? cpuList, IDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Start(environment, args, cpuList);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"videomtl {string.Join(' ', args)} did not finish in 120 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts <c>videomtl ARGS</c> with stdout and stderr redirected; the caller reads them and waits.</summary>
    public static Process Start(IDictionary<string, string?>? environment, params string[] args) => Start(environment, args, null);

    private static Process Start(IDictionary<string, string?>? environment, string[] args, string? cpuList)
    {
        // taskset sets the affinity before dotnet starts, so the runtime sees it from its first instruction.
        var start = new ProcessStartInfo(cpuList is null ? "dotnet" : "taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cpuList is not null)
        {
            foreach (string arg in new[] { "-c", cpuList, "dotnet" })
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "videomtl.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
