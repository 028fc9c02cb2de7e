using System.Diagnostics;

namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// One stream's NDJSON file: unbuffered, one write call per line, and the length after the last whole line
/// kept so a failed write can be cut back. Notices when its file is deleted under it (every two seconds,
/// one stat), since writes to an unlinked file succeed and would silently go nowhere.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private static readonly long CheckInterval = Stopwatch.Frequency * 2;

    private readonly FileStream _stream;
    private long _wholeLength;
    private long _lastCheck = Stopwatch.GetTimestamp();

    public OutputFile(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public string Path { get; }

    public void CheckStillThere()
    {
        long now = Stopwatch.GetTimestamp();
        if (now - _lastCheck < CheckInterval)
        {
            return;
        }

        _lastCheck = now;
        if (!File.Exists(Path))
        {
            throw new IOException($"{Path} was removed while being written (was the output folder deleted?)");
        }
    }

    public void WriteLine(ReadOnlySpan<byte> line)
    {
        _stream.Write(line);
        _wholeLength += line.Length;
    }

    /// <summary>Closes after a failure: cuts any partial line, never throws.</summary>
    public void Abandon()
    {
        try
        {
            if (_stream.Length > _wholeLength)
            {
                _stream.SetLength(_wholeLength);
            }
        }
        catch (IOException)
        {
            // A device or a vanished file: nothing more can be done, and nothing whole is lost.
        }
        catch (NotSupportedException)
        {
        }

        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
        }
    }

    public void Dispose()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
    }
}
