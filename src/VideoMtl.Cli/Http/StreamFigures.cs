using System.Text.Json;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Cli.Http;

/// <summary>Each stream's state and figures as JSON: the body of <c>/streams</c> and of each <c>/events</c> message.</summary>
internal static class StreamFigures
{
    public static byte[] Json(IReadOnlyList<StreamState> streams)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512 * Math.Max(1, streams.Count));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var s in streams)
            {
                Write(json, s);
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter json, StreamState s)
    {
        json.WriteStartObject();
        json.WriteString("name", s.Name);
        json.WriteString("source", s.DisplaySource);
        json.WriteStartArray("tasks");
        foreach (string task in Core.Model.TaskNames.Names(s.Tasks))
        {
            json.WriteStringValue(task);
        }

        json.WriteEndArray();
        json.WriteBoolean("live", s.IsLive);
        json.WriteString("state", s.Status.ToString().ToLowerInvariant());
        json.WriteNumber("reconnects", s.Reconnects);
        if (s.DownReason is { } reason)
        {
            json.WriteString("down_reason", reason);
        }

        json.WriteNumber("width", s.Width);
        json.WriteNumber("height", s.Height);
        json.WriteNumber("source_fps", s.Fps);
        json.WriteNumber("processed_fps", Math.Round(s.ProcessedFps, 2));
        json.WriteNumber("captured", s.Captured);
        json.WriteNumber("processed", s.Processed);
        json.WriteNumber("dropped", s.Dropped);
        json.WriteNumber("objects", s.ObjectsInView);
        json.WriteNumber("tracks_active", s.TracksActive);
        if (s.RecentLatency.Percentiles() is var (p50, p99))
        {
            // Over the stream's last 256 published frames: "now", unlike the run-long histogram in /metrics.
            json.WriteNumber("latency_p50_ms", Math.Round(p50, 1));
            json.WriteNumber("latency_p99_ms", Math.Round(p99, 1));
        }

        if (s.Error is not null)
        {
            json.WriteString("error", s.Error);
        }

        json.WriteEndObject();
    }
}
