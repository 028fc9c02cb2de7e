using System.Diagnostics;
using System.Globalization;

namespace VideoMtl.TestSupport;

/// <summary>
/// A real RTSP server on 127.0.0.1 for reliability tests (GStreamer's gst-rtsp-server through the
/// Fixtures/rtsp-server.py script). It can be killed and started again on the same port to play a camera
/// that drops off the network. Dispose kills it. (The HTTP MJPEG feed is the soak command's own
/// LoopbackMjpegFeed.)
/// </summary>
public sealed class LoopbackRtspServer : IDisposable
{
    private readonly int _port;
    private readonly string _mount;
    private Process? _process;

    /// <summary>A server for rtsp://127.0.0.1:PORT/MOUNT, a live 320×240 10 fps test pattern as RTP/JPEG; not started yet.</summary>
    public LoopbackRtspServer(string mount = "cam")
    {
        _port = LoopbackPorts.Free();
        _mount = mount;
        Url = $"rtsp://127.0.0.1:{_port}/{mount}";
    }

    /// <summary>The server's process id while it runs (a test can freeze it with SIGSTOP); 0 otherwise.</summary>
    public int ProcessId => _process is { HasExited: false } p ? p.Id : 0;

    /// <summary>The address to read the stream from.</summary>
    public string Url { get; }

    /// <summary>Starts the server and waits until its port accepts connections.</summary>
    public async Task StartAsync()
    {
        Stop();
        string script = Path.Combine(TestData.RepositoryRoot, "tests", "VideoMtl.TestSupport", "Fixtures", "rtsp-server.py");
        // Debian's interpreter: python3-gi is installed for it, not for a python3 that PATH may put first.
        _process = Tool.Start("/usr/bin/python3", script, _port.ToString(CultureInfo.InvariantCulture), _mount);
        _ = _process.StandardOutput.ReadToEndAsync();
        var stderr = _process.StandardError.ReadToEndAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Url} server exited at start: {await stderr}");
            }

            try
            {
                // gst-rtsp-server takes any number of clients, so a probe connection costs nothing.
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, _port);
                return;
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
}
