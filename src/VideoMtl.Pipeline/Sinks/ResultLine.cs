using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// A processed frame as one result JSON object (objects, per-stage timings): the NDJSON file's line and the
/// payload of every other result sink, so each publishes the same result. One buffer and one writer for every
/// frame; not thread-safe: one per sink, used from the sink's own task.
/// </summary>
public sealed class ResultLine(ModelDescription model) : IDisposable
{
    private readonly FrameResultWriter _writer = new(model);
    private readonly ArrayBufferWriter<byte> _line = new(64 * 1024);
    private Utf8JsonWriter? _json;

    /// <summary>The frame's result as UTF-8 JSON, with a newline after it if asked; valid until the next call.</summary>
    public ReadOnlySpan<byte> Build(FramePacket packet, bool newline = false)
    {
        ArgumentNullException.ThrowIfNull(packet);
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
        if (newline)
        {
            _line.Write("\n"u8);
        }

        return _line.WrittenSpan;
    }

    public void Dispose() => _json?.Dispose();
}
