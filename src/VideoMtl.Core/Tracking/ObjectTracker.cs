using VideoMtl.Core.Decoding;
using VideoMtl.Core.Results;

namespace VideoMtl.Core.Tracking;

/// <summary>
/// Follows one stream's objects from frame to frame and gives each a stable id (ByteTrack's two-stage
/// association). Each frame: every track's box is predicted to the frame's time; confident detections are
/// assigned optimally to the confirmed tracks by IoU; then low-score detections to the tracks still unmatched
/// that were seen in the previous frame (a half-hidden person keeps its track instead of ending it); then the
/// remaining confident detections to the tentative tracks; whatever confident detection is left starts a
/// tentative track. A tentative track gets its id after <see cref="TrackerOptions.ConfirmHits"/> consecutive
/// matches; a confirmed one that matches nothing is kept for <see cref="TrackerOptions.LostSeconds"/>.
/// Matches keep to a track's class: a detection of another class costs more and needs a clear overlap.
/// Not thread-safe: frames of a stream arrive in order on one worker. Steady state allocates nothing.
/// </summary>
public sealed class ObjectTracker
{
    /// <summary>
    /// Added to the cost (1 − IoU) of pairing a track with a detection of another class: with the default gate a
    /// relabelled object still matches when it overlaps its track by half, but never takes a same-class match.
    /// </summary>
    private const float ClassChangeCost = 0.3f;

    private readonly TrackerOptions _options;
    private readonly float _highScore;
    private readonly float _lowScore;
    private readonly List<Track> _tracks = [];
    private readonly Stack<Track> _free = new();
    private readonly LinearAssignment _assignment = new();
    private readonly List<int> _high = [];
    private readonly List<int> _low = [];
    private readonly List<int> _rows = [];
    private readonly List<int> _columns = [];
    private float[] _costs = new float[64];
    private int[] _rowToColumn = new int[16];
    private bool[] _keep = new bool[32];
    private bool[] _detectionTaken = new bool[32];
    private bool[] _trackTaken = new bool[16];
    private int _kept;
    private double _lastSeconds = double.NaN;
    private int _nextId = 1;

    /// <param name="highScore">The report threshold (the decoder's confidence): detections at or above it are confident.</param>
    public ObjectTracker(TrackerOptions options, float highScore)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _highScore = highScore;
        _lowScore = Math.Min(options.LowScore, highScore);
    }

    /// <summary>Detections down to this score are worth decoding for the tracker (its second stage).</summary>
    public float LowScore => _lowScore;

    /// <summary>Confirmed tracks matched in the latest frame: the objects with an id in view.</summary>
    public int ActiveTracks { get; private set; }

    /// <summary>Ids given so far (each confirmed track once).</summary>
    public long TracksStarted => _nextId - 1;

    /// <summary>
    /// After <see cref="Update"/>, which of the frame's detections are results: every confident one, and the
    /// low-score ones that continued a track. The rest were only candidates.
    /// </summary>
    public ReadOnlySpan<bool> Kept => _keep.AsSpan(0, _kept);

    /// <summary>
    /// Assigns track ids to <paramref name="detections"/> (-1 where none) for the frame at <paramref name="seconds"/>
    /// (its timestamp; should not decrease: a step back, like a looped file's restart, forgets every track, ids go on).
    /// </summary>
    public void Update(Detections detections, double seconds)
    {
        ArgumentNullException.ThrowIfNull(detections);
        float dt = 0;
        if (double.IsNaN(_lastSeconds) || seconds < _lastSeconds)
        {
            RetireAll();
        }
        else
        {
            dt = (float)(seconds - _lastSeconds);
        }

        _lastSeconds = seconds;
        int count = detections.Count;
        Reserve(count, _tracks.Count);
        Array.Clear(_keep, 0, count);
        Array.Clear(_detectionTaken, 0, count);
        Array.Clear(_trackTaken, 0, _tracks.Count);
        _kept = count;

        for (int t = _tracks.Count - 1; t >= 0; t--)
        {
            var track = _tracks[t];
            // Unseen for longer than the buffer (a frame gap counts too, not only frames without a match).
            if (seconds - track.LastSeen > _options.LostSeconds)
            {
                Retire(t);
                continue;
            }

            track.Filter.Predict(dt, _options.Acceleration);
        }

        _high.Clear();
        _low.Clear();
        var scores = detections.Scores;
        for (int i = 0; i < count; i++)
        {
            if (scores[i] >= _highScore)
            {
                _high.Add(i);
                _keep[i] = true;
            }
            else if (scores[i] >= _lowScore)
            {
                _low.Add(i);
            }
        }

        // 1: confident detections against every confirmed track, lost ones included.
        Associate(detections, _high, static t => t.State != TrackState.Tentative, 1 - _options.MatchIoU, seconds);
        // 2: low-score detections against confirmed tracks that were seen last frame and have nothing yet.
        Associate(detections, _low, static t => t.State == TrackState.Tracked, 1 - _options.LowMatchIoU, seconds);
        // 3: the confident detections left against the tentative tracks.
        Associate(detections, _high, static t => t.State == TrackState.Tentative, 1 - _options.MatchIoU, seconds);

        ActiveTracks = 0;
        int existing = _tracks.Count;
        for (int t = existing - 1; t >= 0; t--)
        {
            var track = _tracks[t];
            if (_trackTaken[t])
            {
                ActiveTracks += track.State == TrackState.Tracked ? 1 : 0;
            }
            else if (track.State == TrackState.Tentative)
            {
                Retire(t); // a tentative track must be seen in consecutive frames
            }
            else
            {
                track.State = TrackState.Lost;
                track.Hits = 0;
            }
        }

        foreach (int i in _high)
        {
            if (_detectionTaken[i])
            {
                continue;
            }

            var track = _free.Count > 0 ? _free.Pop() : new Track();
            var (x1, y1, x2, y2) = detections.GetBox(i);
            track.Start(x1, y1, x2, y2, detections.ClassIds[i], seconds);
            _tracks.Add(track);
            if (track.Hits >= _options.ConfirmHits)
            {
                Confirm(track);
                detections.SetTrackId(i, track.Id);
                ActiveTracks++;
            }
        }
    }

    /// <summary>Forgets every track (ids already given are never given again).</summary>
    public void Reset()
    {
        RetireAll();
        _lastSeconds = double.NaN;
        ActiveTracks = 0;
    }

    private void Associate(Detections detections, List<int> candidates, Func<Track, bool> eligible, float limit, double seconds)
    {
        _rows.Clear();
        _columns.Clear();
        for (int t = 0; t < _tracks.Count; t++)
        {
            if (!_trackTaken[t] && eligible(_tracks[t]))
            {
                _rows.Add(t);
            }
        }

        foreach (int i in candidates)
        {
            if (!_detectionTaken[i])
            {
                _columns.Add(i);
            }
        }

        if (_rows.Count == 0 || _columns.Count == 0)
        {
            return;
        }

        int rows = _rows.Count, columns = _columns.Count;
        if (_costs.Length < rows * columns)
        {
            _costs = new float[Math.Max(rows * columns, 2 * _costs.Length)];
        }

        var classes = detections.ClassIds;
        for (int r = 0; r < rows; r++)
        {
            var track = _tracks[_rows[r]];
            var (tx1, ty1, tx2, ty2) = track.Filter.Box;
            for (int c = 0; c < columns; c++)
            {
                int i = _columns[c];
                var (x1, y1, x2, y2) = detections.GetBox(i);
                float cost = 1 - BoxMath.IoU(tx1, ty1, tx2, ty2, x1, y1, x2, y2);
                _costs[(r * columns) + c] = classes[i] == track.ClassId ? cost : cost + ClassChangeCost;
            }
        }

        _assignment.Solve(_costs.AsSpan(0, rows * columns), rows, columns, limit, _rowToColumn.AsSpan(0, rows));
        for (int r = 0; r < rows; r++)
        {
            int c = _rowToColumn[r];
            if (c < 0)
            {
                continue;
            }

            int t = _rows[r], i = _columns[c];
            var track = _tracks[t];
            var (x1, y1, x2, y2) = detections.GetBox(i);
            track.Match(x1, y1, x2, y2, classes[i], seconds);
            _trackTaken[t] = true;
            _detectionTaken[i] = true;
            _keep[i] = true;
            if (track.State == TrackState.Tentative && track.Hits >= _options.ConfirmHits)
            {
                Confirm(track);
            }
            else if (track.State == TrackState.Lost)
            {
                track.State = TrackState.Tracked;
            }

            if (track.Id >= 0)
            {
                detections.SetTrackId(i, track.Id);
            }
        }
    }

    private void Confirm(Track track)
    {
        track.Id = _nextId++;
        track.State = TrackState.Tracked;
    }

    private void Retire(int index)
    {
        var track = _tracks[index];
        // Swap-remove keeps this O(1); the order of tracks only decides ties, the same way on every run.
        int last = _tracks.Count - 1;
        _tracks[index] = _tracks[last];
        _trackTaken[index] = _trackTaken[last];
        _tracks.RemoveAt(last);
        _free.Push(track);
    }

    private void RetireAll()
    {
        foreach (var track in _tracks)
        {
            _free.Push(track);
        }

        _tracks.Clear();
    }

    private void Reserve(int detections, int tracks)
    {
        if (_keep.Length < detections)
        {
            int size = Math.Max(detections, 2 * _keep.Length);
            _keep = new bool[size];
            _detectionTaken = new bool[size];
        }

        // Tracks can grow by every detection of this frame.
        int rows = tracks + detections;
        if (_trackTaken.Length < rows)
        {
            int size = Math.Max(rows, 2 * _trackTaken.Length);
            _trackTaken = new bool[size];
            _rowToColumn = new int[size];
        }
    }
}
