using VideoMtl.Core.Model;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// <c>OUT/&lt;stream&gt;.ndjson</c>: one result JSON line per processed frame, with per-stage timings.
/// Each line is written with one write call, so the file always ends on a whole line; a write that fails
/// part-way (disk full) is cut back to the last whole line when the stream's output is abandoned.
/// </summary>
public sealed class NdjsonSink(string directory, ModelDescription model) : IFrameSink
{
    private readonly Dictionary<StreamState, OutputFile> _files = [];
    private readonly ResultLine _result = new(model);

    public string Name => "ndjson";

    public bool NeedsPixels => false;

    public bool Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!_files.TryGetValue(packet.Stream, out var file))
        {
            file = new OutputFile(Path.Combine(directory, packet.Stream.Name + ".ndjson"));
            _files[packet.Stream] = file;
        }

        file.Watch.Check();

        // The line and its newline in one write call, so the file always ends on a whole line.
        file.WriteLine(_result.Build(packet, newline: true));
        return false; // text, not pixels
    }

    public void Abandon(StreamState stream)
    {
        if (_files.Remove(stream, out var file))
        {
            file.Abandon();
        }
    }

    public void Complete()
    {
        foreach (var file in _files.Values)
        {
            file.Dispose();
        }

        _files.Clear();
    }

    public void Dispose()
    {
        Complete();
        _result.Dispose();
    }
}
