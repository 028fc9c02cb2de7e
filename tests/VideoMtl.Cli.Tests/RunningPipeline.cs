using System.Diagnostics;
using System.Globalization;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// A real <c>videomtl run</c> process with its HTTP server on a free loopback port, started and waited for
/// until its metrics show processed frames. Dispose kills it (and anything it started).
/// </summary>
internal sealed class RunningPipeline : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private RunningPipeline(Process process, int port)
    {
        _process = process;
        Port = port;
        _stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }

    /// <summary>The run's resident memory now, from /proc.</summary>
    public long ResidentBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS in /proc status");
    }

    public HttpClient Http { get; }

    /// <summary>Starts <c>videomtl run ARGS --http-port P</c> and waits until stream <paramref name="stream"/> has processed a frame.</summary>
    public static Task<RunningPipeline> StartAsync(string stream, IDictionary<string, string?>? environment, params string[] args) =>
        StartOnPortAsync(LoopbackPorts.Free(), stream, environment, args);

    /// <summary>As <see cref="StartAsync"/>, on a given port (a restart where clients expect the server).</summary>
    public static async Task<RunningPipeline> StartOnPortAsync(int port, string stream, IDictionary<string, string?>? environment, params string[] args)
    {
        var running = new RunningPipeline(CliProcess.Start(environment, [.. args, "--http-port", port.ToString(CultureInfo.InvariantCulture)]), port);
        try
        {
            string? token = environment is not null && environment.TryGetValue("VIDEOMTL__HTTP__BEARERTOKEN", out var t) ? t : null;
            await running.WaitForMetricAsync($"videomtl_frames_processed_total{{stream=\"{stream}\"}}", v => v > 0, token);
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>videomtl run ARGS --http-port P</c> without waiting for anything (a cluster member may own no stream).</summary>
    public static RunningPipeline Launch(int port, IDictionary<string, string?>? environment, params string[] args) =>
        new(CliProcess.Start(environment, [.. args, "--http-port", port.ToString(CultureInfo.InvariantCulture)]), port);

    /// <summary>Ends the run as a dying machine would (SIGKILL, with the ffmpeg processes it started) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The run's stderr so far is not available until it ends; this is the whole of it once it has.</summary>
    public Task<string> Stderr => _stderr;

    /// <summary>Polls /metrics until the series' value satisfies the condition; fails with the run's stderr otherwise.</summary>
    public async Task<string> WaitForMetricAsync(string series, Func<double, bool> condition, string? token = null, int seconds = 90)
    {
        string metrics = string.Empty;
        for (var deadline = DateTime.UtcNow.AddSeconds(seconds); DateTime.UtcNow < deadline && !_process.HasExited; await Task.Delay(200))
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
                if (token is not null)
                {
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                }

                using var response = await Http.SendAsync(request);
                metrics = await response.Content.ReadAsStringAsync();
                if (Value(metrics, series) is { } v && condition(v))
                {
                    return metrics;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }

        // Only read stderr (it ends when the process ends) once something has already gone wrong.
        _process.Kill(entireProcessTree: true);
        Assert.Fail($"{series} never met the condition; the run said: {await _stderr}");
        return metrics;
    }

    /// <summary>The value of one exact series line (<c>name{labels}</c>) in exposition text.</summary>
    public static double? Value(string metrics, string series)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>The latest exposition text from /metrics.</summary>
    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    /// <summary>Stops the run as Ctrl+C would (SIGINT: drain, close files), or with another signal, and returns its exit code and stderr.</summary>
    public async Task<(int ExitCode, string Stderr)> StopAsync(string signal = "INT")
    {
        if (!_process.HasExited)
        {
            await Tool.RunAsync("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)], null);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await _process.WaitForExitAsync(timeout.Token);
        return (_process.ExitCode, await _stderr);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
