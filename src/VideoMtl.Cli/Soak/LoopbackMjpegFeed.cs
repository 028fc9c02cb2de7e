using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VideoMtl.Cli.Soak;

/// <summary>
/// A live HTTP MJPEG feed on 127.0.0.1: ffmpeg loops a video at its own rate as multipart JPEG. ffmpeg's
/// HTTP server (<c>-listen 1</c>) serves one client and then exits, so the feed starts it again whenever it
/// ends, like a camera whose viewer endpoint takes the next viewer: a client that drops its connection (a
/// read timeout, a reconnect after a stall) finds the feed there again instead of a dead port.
/// <see cref="StopAsync"/> cuts it off as a power cut would; <see cref="StartAsync"/> brings it back on the same port.
/// </summary>
internal sealed class LoopbackMjpegFeed : IAsyncDisposable
{
    /// <summary>A run of this many ffmpeg exits, each within a second of its start, means it cannot serve at all.</summary>
    private const int QuickExitsThatMeanBroken = 3;

    private const int StartTimeoutSeconds = 20;

    private readonly string _video;
    private readonly int? _width;
    private CancellationTokenSource? _stop;
    private Task? _serving;
    private volatile int _quickExits;
    private volatile string _lastError = string.Empty;
    private int _restarts;

    /// <param name="video">The file to loop.</param>
    /// <param name="name">The URL path's file name (lets a process list tell these feeds apart).</param>
    /// <param name="width">Scale to this width (keeping the aspect ratio); null keeps the video's size.</param>
    public LoopbackMjpegFeed(string video, string name, int? width = null)
    {
        _video = video;
        _width = width;
        Port = FreePort();
        Url = $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{name}";
    }

    /// <summary>The address to read the feed from.</summary>
    public string Url { get; }

    public int Port { get; }

    /// <summary>How many times ffmpeg was started again after a client left (or it ended otherwise).</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>
    /// Starts serving (stopping a running server first) and returns once the port takes connections: a
    /// listening socket or, when a retrying client got in before the first look, an accepted connection.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellation = default)
    {
        await StopAsync().ConfigureAwait(false);
        if (!File.Exists(_video))
        {
            throw new UserError($"the feed video {_video} does not exist: give an existing file with --video");
        }

        _quickExits = 0;
        _stop = new CancellationTokenSource();
        _serving = ServeAsync(_stop.Token);
        for (var deadline = DateTime.UtcNow.AddSeconds(StartTimeoutSeconds); ; await Task.Delay(100, cancellation).ConfigureAwait(false))
        {
            if (_serving.IsCompleted)
            {
                var failed = _serving;
                await StopAsync().ConfigureAwait(false);
                await failed.ConfigureAwait(false); // ffmpeg could not be started at all: its error
            }

            if (_quickExits >= QuickExitsThatMeanBroken)
            {
                await StopAsync().ConfigureAwait(false);
                throw new UserError($"ffmpeg cannot serve {_video}: {_lastError}");
            }

            if (IsServing(Port))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                await StopAsync().ConfigureAwait(false);
                throw new UserError($"the ffmpeg feed {Url} did not start listening within {StartTimeoutSeconds} s");
            }
        }
    }

    /// <summary>Kills the server at once, no goodbye to a connected client, and does not start it again.</summary>
    public async Task StopAsync()
    {
        if (_stop is null || _serving is null)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        // A loop that failed (ffmpeg could not be started) already reported it from StartAsync.
        await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _stop = null;
        _serving = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>One ffmpeg after another until stopped; the loop alone owns each process, so no kill races a start.</summary>
    private async Task ServeAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var ffmpeg = StartFfmpeg();
            var stderr = ffmpeg.StandardError.ReadToEndAsync(CancellationToken.None);
            _ = ffmpeg.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var started = Stopwatch.StartNew();
            try
            {
                await ffmpeg.WaitForExitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ffmpeg.Kill(entireProcessTree: true);
                await ffmpeg.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }

            _lastError = (await stderr.ConfigureAwait(false)).Trim();
            _quickExits = started.Elapsed < TimeSpan.FromSeconds(1) ? _quickExits + 1 : 0;
            Interlocked.Increment(ref _restarts);
            try
            {
                // A short pause keeps a feed that cannot start from spinning while StartAsync notices.
                await Task.Delay(100, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Process StartFfmpeg()
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        List<string> args = ["-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", _video];
        if (_width is { } width)
        {
            args.AddRange(["-vf", string.Create(CultureInfo.InvariantCulture, $"scale={width}:-2")]);
        }

        args.AddRange(["-q:v", "5", "-f", "mpjpeg", "-listen", "1", Url]);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            return Process.Start(start) ?? throw new UserError("ffmpeg did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserError("ffmpeg is not installed: run ./setup.sh (or give live feeds with --url)", e);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Whether a socket on 127.0.0.1:port listens (state 0A in /proc/net/tcp) or has accepted a connection
    /// (state 01 with the port as the local address), looked up without connecting: a probe connection
    /// would be the one client this ffmpeg serves.
    /// </summary>
    private static bool IsServing(int port)
    {
        string hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[1].EndsWith(hexPort, StringComparison.Ordinal) && f[3] is "0A" or "01");
    }
}
