namespace VideoMtl.Core.Results;

/// <summary>
/// The objects of one frame as struct-of-arrays: boxes (x1, y1, x2, y2 in source pixels), class ids,
/// scores, optional masks, optional keypoints (x, y, score per keypoint) and optional track ids.
/// Reused frame after frame: <see cref="Clear"/> keeps the arrays and the mask buffers (see
/// <see cref="RentMask"/>), so steady state allocates nothing.
/// </summary>
public sealed class Detections
{
    private float[] _boxes = new float[4 * 32];
    private int[] _classIds = new int[32];
    private float[] _scores = new float[32];
    private ObjectMask?[] _masks = new ObjectMask?[32];
    private ObjectMask?[] _maskPool = new ObjectMask?[32];
    private float[] _keypoints;
    private bool[] _hasKeypoints = new bool[32];
    private int[] _trackIds = new int[32];

    public Detections(int keypointsPerObject = 17)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keypointsPerObject);
        KeypointsPerObject = keypointsPerObject;
        _keypoints = new float[32 * keypointsPerObject * 3];
    }

    public int Count { get; private set; }

    public int KeypointsPerObject { get; }

    public ReadOnlySpan<float> Boxes => _boxes.AsSpan(0, Count * 4);

    public ReadOnlySpan<int> ClassIds => _classIds.AsSpan(0, Count);

    public ReadOnlySpan<float> Scores => _scores.AsSpan(0, Count);

    public ReadOnlySpan<int> TrackIds => _trackIds.AsSpan(0, Count);

    public int Add(float x1, float y1, float x2, float y2, int classId, float score)
    {
        if (Count == _classIds.Length)
        {
            Grow();
        }

        int i = Count++;
        _boxes[4 * i] = x1;
        _boxes[(4 * i) + 1] = y1;
        _boxes[(4 * i) + 2] = x2;
        _boxes[(4 * i) + 3] = y2;
        _classIds[i] = classId;
        _scores[i] = score;
        _masks[i] = null;
        _hasKeypoints[i] = false;
        _trackIds[i] = -1;
        return i;
    }

    public (float X1, float Y1, float X2, float Y2) GetBox(int index)
    {
        CheckIndex(index);
        return (_boxes[4 * index], _boxes[(4 * index) + 1], _boxes[(4 * index) + 2], _boxes[(4 * index) + 3]);
    }

    public ObjectMask? GetMask(int index)
    {
        CheckIndex(index);
        return _masks[index];
    }

    /// <summary>
    /// The reusable mask of slot <paramref name="index"/>, placed and sized for this object and attached to
    /// it. The caller fills <see cref="ObjectMask.Pixels"/>. Valid until the slot is reused (next frame).
    /// </summary>
    public ObjectMask RentMask(int index, int left, int top, int width, int height)
    {
        CheckIndex(index);
        var mask = _maskPool[index] ??= new ObjectMask(0, 0, 0, 0, []);
        mask.Reshape(left, top, width, height);
        _masks[index] = mask;
        return mask;
    }

    public void SetMask(int index, ObjectMask? mask)
    {
        CheckIndex(index);
        _masks[index] = mask;
    }

    /// <summary>x, y, score for each keypoint, or empty when the object has none.</summary>
    public ReadOnlySpan<float> GetKeypoints(int index)
    {
        CheckIndex(index);
        int stride = KeypointsPerObject * 3;
        return _hasKeypoints[index] ? _keypoints.AsSpan(index * stride, stride) : [];
    }

    public void SetKeypoints(int index, ReadOnlySpan<float> keypoints)
    {
        CheckIndex(index);
        int stride = KeypointsPerObject * 3;
        if (keypoints.Length != stride)
        {
            throw new ArgumentException($"expected {stride} keypoint values, got {keypoints.Length}", nameof(keypoints));
        }

        keypoints.CopyTo(_keypoints.AsSpan(index * stride, stride));
        _hasKeypoints[index] = true;
    }

    public void SetTrackId(int index, int trackId)
    {
        CheckIndex(index);
        _trackIds[index] = trackId;
    }

    /// <summary>
    /// Keeps only the objects whose <paramref name="keep"/> flag is set, in their order, with everything that
    /// belongs to them (box, class, score, mask, keypoints, track id). Mask buffers move with their objects.
    /// </summary>
    public void Compact(ReadOnlySpan<bool> keep)
    {
        if (keep.Length != Count)
        {
            throw new ArgumentException($"expected {Count} flags, got {keep.Length}", nameof(keep));
        }

        int stride = KeypointsPerObject * 3;
        int kept = 0;
        for (int i = 0; i < Count; i++)
        {
            if (!keep[i])
            {
                continue;
            }

            if (kept != i)
            {
                _boxes.AsSpan(4 * i, 4).CopyTo(_boxes.AsSpan(4 * kept, 4));
                _classIds[kept] = _classIds[i];
                _scores[kept] = _scores[i];
                _trackIds[kept] = _trackIds[i];
                _hasKeypoints[kept] = _hasKeypoints[i];
                if (_hasKeypoints[i])
                {
                    _keypoints.AsSpan(i * stride, stride).CopyTo(_keypoints.AsSpan(kept * stride, stride));
                }

                // Swap the pooled masks so neither buffer is lost: slot i's becomes spare for later frames.
                (_masks[kept], _masks[i]) = (_masks[i], null);
                (_maskPool[kept], _maskPool[i]) = (_maskPool[i], _maskPool[kept]);
            }

            kept++;
        }

        for (int i = kept; i < Count; i++)
        {
            // A dropped object's mask buffer goes back to the shared pool, as Clear would.
            _maskPool[i]?.ReleaseBuffer();
            _masks[i] = null;
        }

        Count = kept;
    }

    /// <summary>
    /// Empties the set for the next frame. Mask buffers go back to the shared pool, so buffers follow the
    /// objects' sizes across every frame in flight instead of each frame keeping its own largest ones.
    /// </summary>
    public void Clear()
    {
        for (int i = 0; i < Count; i++)
        {
            _maskPool[i]?.ReleaseBuffer();
        }

        Array.Clear(_masks, 0, Count);
        Count = 0;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{Count} detections");
        }
    }

    private void Grow()
    {
        int capacity = _classIds.Length * 2;
        Array.Resize(ref _boxes, capacity * 4);
        Array.Resize(ref _classIds, capacity);
        Array.Resize(ref _scores, capacity);
        Array.Resize(ref _masks, capacity);
        Array.Resize(ref _maskPool, capacity);
        Array.Resize(ref _keypoints, capacity * KeypointsPerObject * 3);
        Array.Resize(ref _hasKeypoints, capacity);
        Array.Resize(ref _trackIds, capacity);
    }
}
