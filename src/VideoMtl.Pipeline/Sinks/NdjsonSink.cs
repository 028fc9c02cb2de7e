using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
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
    private readonly FrameResultWriter _writer = new(model);
    private readonly ArrayBufferWriter<byte> _line = new(64 * 1024);
    private Utf8JsonWriter? _json;

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

        _line.Clear();
        // One writer for every line (Reset), and a static callback with the packet as state: no per-frame garbage.
        var json = _json ??= new Utf8JsonWriter(_line);
        json.Reset(_line);
        _writer.Write(json, packet.Stream.Name, packet.FrameIndex, packet.PtsMs, packet.Image.Width, packet.Image.Height, packet.Detections, packet, static (j, p) =>
        {
            if (p.SourceFile is { } file)
            {
                j.WriteString("file", Path.GetFileName(file));
            }

            j.WriteStartObject("timing_ms");
            j.WriteNumber("decode", Math.Round(p.DecodeMs, 3));
            j.WriteNumber("preprocess", Math.Round(p.PreprocessMs, 3));
            j.WriteNumber("inference", Math.Round(p.InferenceMs, 3));
            j.WriteNumber("postprocess", Math.Round(p.PostprocessMs, 3));
            j.WriteNumber("track", Math.Round(p.TrackMs, 3));
            j.WriteNumber("overlay", Math.Round(p.OverlayMs, 3));
            j.WriteNumber("end_to_end", Math.Round(Stopwatch.GetElapsedTime(p.CapturedAt).TotalMilliseconds, 3));
            j.WriteEndObject();
        });
        json.Flush();

        _line.Write("\n"u8);
        file.WriteLine(_line.WrittenSpan);
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
        _json?.Dispose();
    }
}
