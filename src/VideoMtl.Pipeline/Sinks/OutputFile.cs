namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// One stream's NDJSON file: unbuffered, one write call per line, and the length after the last whole line
/// kept so a failed write can be cut back, and a <see cref="DeletedFileWatch"/> on it.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private readonly FileStream _stream;
    private long _wholeLength;

    public OutputFile(string path)
    {
        Watch = new DeletedFileWatch(path);
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public DeletedFileWatch Watch { get; }

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
