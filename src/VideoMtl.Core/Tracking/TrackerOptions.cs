namespace VideoMtl.Core.Tracking;

/// <summary>
/// How objects are followed from frame to frame (ByteTrack-style). The report threshold is not here: it is
/// the decoder's confidence (<c>Confidence</c>), declared once; detections at or above it are "high", those
/// between <see cref="LowScore"/> and it are "low" and only ever continue a track.
/// </summary>
public sealed record TrackerOptions
{
    /// <summary>Give objects track ids. Off: every object's <c>track_id</c> is null and the decoder reports only objects above the confidence.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Detections down to this score are decoded and offered to the second association stage, where they
    /// can only continue a track that lost its confident detection (a person half hidden, motion blur).
    /// Unmatched low detections are dropped, never reported. A confidence set below it lowers it to the confidence
    /// (every detection is then confident and the second stage has nothing to do).
    /// </summary>
    public float LowScore { get; init; } = 0.1f;

    /// <summary>First stage: a confident detection continues a track only if it overlaps the track's predicted box at least this much (IoU).</summary>
    public float MatchIoU { get; init; } = 0.2f;

    /// <summary>Second stage: a low-score detection must overlap the predicted box more, since it is more often a false one.</summary>
    public float LowMatchIoU { get; init; } = 0.5f;

    /// <summary>A new track gets its id after this many consecutive matched frames (1: at once); before that its objects have no id.</summary>
    public int ConfirmHits { get; init; } = 2;

    /// <summary>
    /// How long a confirmed track that matches nothing is kept (predicted on) before its id is retired. In
    /// seconds of the frames' own timestamps, not in frames: a live stream that drops frames keeps its ids
    /// exactly as long as one that drops none.
    /// </summary>
    public double LostSeconds { get; init; } = 2.0;

    /// <summary>
    /// Motion noise of the constant-velocity model: the standard deviation of acceleration, in object heights per
    /// second squared. Larger follows sudden turns better; smaller keeps predictions steadier through occlusions.
    /// 0.3 gave the fewest person ids and probable fragments on vtest.avi among 0.1–2 (replaying the same
    /// detections: 44 person ids at 0.2–0.3, 47 at 0.5 and 1, 56 at 2).
    /// </summary>
    public float Acceleration { get; init; } = 0.3f;

    /// <summary>Checks every value; names the first one out of range.</summary>
    public void Validate()
    {
        if (!(LowScore is > 0 and < 1))
        {
            throw new ArgumentException($"Tracking:LowScore {LowScore} is out of range: use a value between 0 and 1 (exclusive), below the confidence threshold");
        }

        if (!(MatchIoU is > 0 and < 1))
        {
            throw new ArgumentException($"Tracking:MatchIoU {MatchIoU} is out of range: use a value between 0 and 1 (exclusive)");
        }

        if (!(LowMatchIoU is > 0 and < 1))
        {
            throw new ArgumentException($"Tracking:LowMatchIoU {LowMatchIoU} is out of range: use a value between 0 and 1 (exclusive)");
        }

        if (ConfirmHits is < 1 or > 100)
        {
            throw new ArgumentException($"Tracking:ConfirmHits {ConfirmHits} is out of range: use 1..100");
        }

        if (!(LostSeconds is >= 0 and <= 3600))
        {
            throw new ArgumentException($"Tracking:LostSeconds {LostSeconds} is out of range: use 0..3600 seconds");
        }

        if (!(Acceleration is > 0 and <= 100))
        {
            throw new ArgumentException($"Tracking:Acceleration {Acceleration} is out of range: use a value above 0 and at most 100");
        }
    }
}
