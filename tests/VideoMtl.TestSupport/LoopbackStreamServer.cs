using System.Diagnostics;
using System.Globalization;

namespace VideoMtl.TestSupport;

/// <summary>
/// A real streaming server on 127.0.0.1 for reliability tests: an RTSP server (GStreamer's gst-rtsp-server
/// through the Fixtures/rtsp-server.py script) or an HTTP MJPEG stream served by ffmpeg. It can be killed
/// and started again on the same port to play a camera that drops off the network. Dispose kills it.
/// </summary>
public sealed class LoopbackStreamServer : IDisposable
{
    private readonly Func<Process> _start;
    private Process? _process;

    private LoopbackStreamServer(string url, Func<Process> start)
    {
        Url = url;
        _start = start;
    }

    /// <summary>The address to read the stream from.</summary>
    public string Url { get; }

    /// <summary>rtsp://127.0.0.1:PORT/MOUNT: a live 320×240 10 fps test pattern as RTP/JPEG.</summary>
    public static LoopbackStreamServer Rtsp(string mount = "cam")
    {
        int port = LoopbackPorts.Free();
        string script = Path.Combine(TestData.RepositoryRoot, "tests", "VideoMtl.TestSupport", "Fixtures", "rtsp-server.py");
        // Debian's interpreter: python3-gi is installed for it, not for a python3 that PATH may put first.
        return new LoopbackStreamServer($"rtsp://127.0.0.1:{port}/{mount}", () => Tool.Start("/usr/bin/python3", script, port.ToString(CultureInfo.InvariantCulture), mount));
    }

    /// <summary>
    /// http://127.0.0.1:PORT/feed.mjpg: <paramref name="video"/> looped at its own rate as multipart JPEG by
    /// ffmpeg (<c>-listen 1</c>: it serves one client, then exits, like a camera's single-viewer endpoint).
    /// </summary>
    public static LoopbackStreamServer HttpMjpeg(string video, int width = 384)
    {
        int port = LoopbackPorts.Free();
        string url = $"http://127.0.0.1:{port}/feed.mjpg";
        return new LoopbackStreamServer(url, () => Tool.Start(
            "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", video,
            "-vf", $"scale={width}:-2", "-q:v", "5", "-f", "mpjpeg", "-listen", "1", url));
    }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the server and waits until its port accepts connections.</summary>
    public async Task StartAsync()
    {
        Stop();
        _process = _start();
        _ = _process.StandardOutput.ReadToEndAsync();
        var stderr = _process.StandardError.ReadToEndAsync();
        var uri = new Uri(Url);
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Url} server exited at start: {await stderr}");
            }

            try
            {
                // ffmpeg -listen 1 serves the first connection only, so probe RTSP alone by connecting;
                // for ffmpeg, a listening socket shows up in /proc/net/tcp without being consumed. On a
                // restart the pipeline, which keeps retrying, may connect before the first probe: ffmpeg
                // then closes its listening socket, so an accepted connection on the port counts as started.
                if (uri.Scheme == "rtsp")
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    await client.ConnectAsync(uri.Host, uri.Port);
                    return;
                }

                if (IsServing(uri.Port))
                {
                    return;
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // not listening yet
            }
        }

        throw new TimeoutException($"{Url} server did not start listening within 15 s");
    }

    /// <summary>Kills the server at once, as a power cut would (no goodbye to connected clients).</summary>
    public void Stop()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    /// <summary>
    /// Whether a socket whose local end is 127.0.0.1:port listens (state 0A in /proc/net/tcp) or has
    /// accepted a connection (state 01 with the port as the local address, i.e. the server's side).
    /// </summary>
    private static bool IsServing(int port)
    {
        string hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[1].EndsWith(hexPort, StringComparison.Ordinal) && f[3] is "0A" or "01");
    }
}
