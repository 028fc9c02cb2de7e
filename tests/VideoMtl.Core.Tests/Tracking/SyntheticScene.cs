using VideoMtl.Core.Decoding;
using VideoMtl.Core.Results;
using VideoMtl.Core.Tracking;

namespace VideoMtl.Core.Tests.Tracking;

/// <summary>
/// Objects with known identities moving on straight lines, rendered into detections frame by frame the way
/// a detector would report them: with a little box jitter, in score order, and with the same-class NMS a
/// real decoder applies (a person hidden behind another is not reported twice). Each scenario then
/// changes what the detector "sees": gaps, low scores, relabels, dropped frames.
/// </summary>
internal sealed class SyntheticScene(double fps, int seed = 7)
{
    private readonly List<Walker> _walkers = [];
    private readonly Random _random = new(seed);

    /// <summary>What the detector reports of (frame, identity, true sighting): changed, as is, or null (missed).</summary>
    public Func<int, int, Sighting, Sighting?>? Detector { get; set; }

    public int Add(float x, float y, float width, float height, float vx, float vy, int classId = 0, float score = 0.85f)
    {
        _walkers.Add(new Walker(x, y, width, height, vx, vy, classId, score));
        return _walkers.Count - 1;
    }

    /// <summary>Runs the scene through a tracker for the given frames (indices into the frame clock).</summary>
    public TrackingOutcome Run(ObjectTracker tracker, IEnumerable<int> frames)
    {
        var outcome = new TrackingOutcome();
        var detections = new Detections(0);
        var identities = new List<int>();
        foreach (int frame in frames)
        {
            double seconds = frame / fps;
            var reported = new List<(int Identity, Sighting Sighting)>();
            for (int id = 0; id < _walkers.Count; id++)
            {
                var w = _walkers[id];
                var sighting = new Sighting(
                    w.X + (w.Vx * (float)seconds) + Jitter(), w.Y + (w.Vy * (float)seconds) + Jitter(), w.Width + Jitter(), w.Height + Jitter(), w.ClassId, w.Score);
                if ((Detector is null ? sighting : Detector(frame, id, sighting)) is { } s)
                {
                    reported.Add((id, s));
                }
            }

            // Decoder order (best first) and same-class NMS at the decoder's default 0.7.
            reported.Sort((a, b) => b.Sighting.Score.CompareTo(a.Sighting.Score));
            detections.Clear();
            identities.Clear();
            foreach (var (identity, s) in reported)
            {
                bool suppressed = false;
                for (int i = 0; i < detections.Count; i++)
                {
                    var (x1, y1, x2, y2) = detections.GetBox(i);
                    if (detections.ClassIds[i] == s.ClassId && BoxMath.IoU(x1, y1, x2, y2, s.X, s.Y, s.X + s.Width, s.Y + s.Height) > 0.7f)
                    {
                        suppressed = true;
                    }
                }

                if (!suppressed)
                {
                    detections.Add(s.X, s.Y, s.X + s.Width, s.Y + s.Height, s.ClassId, s.Score);
                    identities.Add(identity);
                }
            }

            tracker.Update(detections, seconds);
            var kept = tracker.Kept;
            for (int i = 0; i < detections.Count; i++)
            {
                outcome.Record(frame, identities[i], kept[i], detections.TrackIds[i], detections.Scores[i]);
            }
        }

        return outcome;
    }

    private float Jitter() => (float)((_random.NextDouble() - 0.5) * 3);

    private sealed record Walker(float X, float Y, float Width, float Height, float Vx, float Vy, int ClassId, float Score);
}

internal readonly record struct Sighting(float X, float Y, float Width, float Height, int ClassId, float Score);
