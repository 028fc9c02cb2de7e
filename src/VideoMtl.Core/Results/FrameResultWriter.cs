using System.Text.Json;
using VideoMtl.Core.Model;

namespace VideoMtl.Core.Results;

/// <summary>
/// Writes one frame's result as the JSON object of the result contract:
/// <c>{"stream","frame","pts_ms","width","height","objects":[{"class_id","class","score","box","keypoints","mask","track_id"}]}</c>
/// with masks as uncompressed column-major COCO RLE. Writes straight to a Utf8JsonWriter: no DOM.
/// </summary>
public sealed class FrameResultWriter
{
    private readonly ModelDescription _model;
    private readonly List<int> _counts = [];

    public FrameResultWriter(ModelDescription model)
    {
        _model = model;
    }

    public void Write(Utf8JsonWriter json, string stream, long frame, double ptsMs, int width, int height, Detections detections, Action<Utf8JsonWriter>? extra = null) =>
        Write(json, stream, frame, ptsMs, width, height, detections, extra, static (j, e) => e?.Invoke(j));

    /// <summary>As above, with the extra fields written by a static callback and its state (no closure per frame).</summary>
    public void Write<TState>(
        Utf8JsonWriter json, string stream, long frame, double ptsMs, int width, int height, Detections detections, TState state, Action<Utf8JsonWriter, TState> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(detections);
        json.WriteStartObject();
        json.WriteString("stream", stream);
        json.WriteNumber("frame", frame);
        json.WriteNumber("pts_ms", Math.Round(ptsMs, 3));
        json.WriteNumber("width", width);
        json.WriteNumber("height", height);
        json.WriteStartArray("objects");
        for (int i = 0; i < detections.Count; i++)
        {
            json.WriteStartObject();
            int classId = detections.ClassIds[i];
            json.WriteNumber("class_id", classId);
            json.WriteString("class", _model.ClassName(classId));
            json.WriteNumber("score", MathF.Round(detections.Scores[i], 4));
            var (x1, y1, x2, y2) = detections.GetBox(i);
            json.WriteStartArray("box");
            json.WriteNumberValue(MathF.Round(x1, 2));
            json.WriteNumberValue(MathF.Round(y1, 2));
            json.WriteNumberValue(MathF.Round(x2, 2));
            json.WriteNumberValue(MathF.Round(y2, 2));
            json.WriteEndArray();

            var keypoints = detections.GetKeypoints(i);
            if (keypoints.IsEmpty)
            {
                json.WriteNull("keypoints");
            }
            else
            {
                json.WriteStartArray("keypoints");
                for (int k = 0; k < keypoints.Length; k += 3)
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(MathF.Round(keypoints[k], 2));
                    json.WriteNumberValue(MathF.Round(keypoints[k + 1], 2));
                    json.WriteNumberValue(MathF.Round(keypoints[k + 2], 4));
                    json.WriteEndArray();
                }

                json.WriteEndArray();
            }

            var mask = detections.GetMask(i);
            if (mask is null)
            {
                json.WriteNull("mask");
            }
            else
            {
                CocoRle.Encode(mask, width, height, _counts);
                json.WriteStartObject("mask");
                json.WriteStartArray("size");
                json.WriteNumberValue(height);
                json.WriteNumberValue(width);
                json.WriteEndArray();
                json.WriteStartArray("counts");
                foreach (int c in _counts)
                {
                    json.WriteNumberValue(c);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            int track = detections.TrackIds[i];
            if (track < 0)
            {
                json.WriteNull("track_id");
            }
            else
            {
                json.WriteNumber("track_id", track);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        extra(json, state);
        json.WriteEndObject();
    }
}
