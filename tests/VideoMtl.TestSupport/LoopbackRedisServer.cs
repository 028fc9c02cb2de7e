using System.Diagnostics;
using System.Net.Sockets;

namespace VideoMtl.TestSupport;

/// <summary>
/// A real redis-server (Debian's package) on 127.0.0.1 and a free port, in memory only (no dump, no append
/// file), for one test; stopped, or killed to simulate an outage, and started again on the same port.
/// </summary>
public sealed class LoopbackRedisServer : IDisposable
{
    private Process? _process;

    public LoopbackRedisServer(bool start = true)
    {
        Port = LoopbackPorts.Free();
        if (start)
        {
            Start();
        }
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    public void Start()
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--protected-mode", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server; ./setup.sh does)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!Answers())
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer within 10 s");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>SIGKILL: the server vanishes as in a crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }

    private bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", Port);
            using var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            int read = stream.Read(buffer);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
