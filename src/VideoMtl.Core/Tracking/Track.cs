namespace VideoMtl.Core.Tracking;

/// <summary>One followed object. Pooled by its tracker: a retired track is reused for the next new object.</summary>
internal sealed class Track
{
    public BoxKalmanFilter Filter;

    private int _classVotes;

    /// <summary>The id, given when the track is confirmed; -1 while tentative.</summary>
    public int Id { get; set; } = -1;

    public TrackState State { get; set; }

    /// <summary>The class the track stands for: the majority of its matches (a one-frame relabel does not change it).</summary>
    public int ClassId { get; private set; }

    /// <summary>Consecutive matched frames (what confirms a tentative track).</summary>
    public int Hits { get; set; }

    /// <summary>Timestamp, in seconds, of the last frame the track was matched in.</summary>
    public double LastSeen { get; set; }

    public void Start(float x1, float y1, float x2, float y2, int classId, double seconds)
    {
        Filter.Start(x1, y1, x2, y2);
        Id = -1;
        State = TrackState.Tentative;
        ClassId = classId;
        _classVotes = 1;
        Hits = 1;
        LastSeen = seconds;
    }

    public void Match(float x1, float y1, float x2, float y2, int classId, double seconds)
    {
        Filter.Correct(x1, y1, x2, y2);
        LastSeen = seconds;
        Hits++;
        // Boyer–Moore majority vote: constant memory, and the class changes only when another has outvoted it.
        if (classId == ClassId)
        {
            _classVotes++;
        }
        else if (--_classVotes <= 0)
        {
            ClassId = classId;
            _classVotes = 1;
        }
    }
}
