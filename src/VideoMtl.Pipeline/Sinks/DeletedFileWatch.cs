using System.Diagnostics;

namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// Notices that an output file was deleted while being written: Linux lets writes to an unlinked file
/// succeed, so every later frame would go nowhere unseen. One stat every two seconds, on the writer's thread.
/// </summary>
internal sealed class DeletedFileWatch(string path)
{
    private static readonly long CheckInterval = Stopwatch.Frequency * 2;

    private long _lastCheck = Stopwatch.GetTimestamp();

    public string Path { get; } = path;

    /// <summary>Throws an IOException (the sinks' failure path) once the file is gone.</summary>
    public void Check()
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
}
