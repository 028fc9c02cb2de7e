using System.Globalization;
using System.Text.Json;

namespace VideoMtl.Pipeline.Tests;

/// <summary>What the track ids of a run's NDJSON look like: how many, how long they last, how many objects carry one.</summary>
internal sealed record TrackFigures(int Ids, double MeanLength, int MedianLength, double ShareWithId, int FramesWithARepeatedId, IReadOnlyList<int> IdsInOrderOfFirstSight)
{
    public static TrackFigures Read(IReadOnlyList<string> lines)
    {
        var frames = new Dictionary<int, int>();
        var order = new List<int>();
        int objects = 0, withId = 0, repeated = 0;
        foreach (string line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var inFrame = new HashSet<int>();
            bool repeats = false;
            foreach (var o in json.RootElement.GetProperty("objects").EnumerateArray())
            {
                objects++;
                var id = o.GetProperty("track_id");
                if (id.ValueKind != JsonValueKind.Number)
                {
                    continue;
                }

                int track = id.GetInt32();
                withId++;
                repeats |= !inFrame.Add(track);
                if (!frames.TryAdd(track, 1))
                {
                    frames[track]++;
                }
                else
                {
                    order.Add(track);
                }
            }

            repeated += repeats ? 1 : 0;
        }

        var lengths = frames.Values.Order().ToList();
        return new TrackFigures(
            frames.Count,
            lengths.Count == 0 ? 0 : lengths.Average(),
            lengths.Count == 0 ? 0 : lengths[lengths.Count / 2],
            objects == 0 ? 0 : withId / (double)objects,
            repeated,
            order);
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Ids} track ids, mean length {MeanLength:0.0} frames (median {MedianLength}), {ShareWithId:P1} of objects with an id, {FramesWithARepeatedId} frames with a repeated id");
}
