using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Core.Decoding;

/// <summary>
/// Decodes one image's head outputs into <see cref="Detections"/> in source pixels: candidates above
/// the confidence threshold, class-aware NMS, masks for kept objects only, pose instances attached to
/// the person segment they overlap most (IoU ≥ 0.5) or kept as person objects without a mask.
/// Not thread-safe (it reuses scratch lists); use one per worker.
/// </summary>
public sealed class MultiTaskDecoder
{
    private readonly ModelDescription _model;
    private readonly DecoderOptions _options;
    private readonly CandidateExtractor _extractor = new();
    private readonly MaskDecoder _masks = new();
    private readonly List<BoxCandidate> _candidates = [];
    private readonly List<BoxCandidate> _kept = [];
    private readonly List<int> _matched = [];

    // The objects head anchor each object came from (-1 for a pose without a segment), by object index:
    // what Finish needs to decode a mask after the tracker has chosen the objects.
    private readonly List<int> _anchors = [];
    private readonly float[] _coefficients;
    private readonly float[] _keypoints;

    public MultiTaskDecoder(ModelDescription model, DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _model = model;
        _options = options;
        _coefficients = new float[model.MaskCoefficients];
        _keypoints = new float[model.Keypoints * 3];
    }

    /// <summary>The report threshold: objects below it are only candidates for a tracker.</summary>
    public float Confidence => _options.Confidence;

    /// <param name="objects">Boxes head ([4 + classes + coefficients, anchors]): seg_boxes, or det_boxes without segmentation.</param>
    /// <param name="prototypes">seg_protos for this image, empty without segmentation.</param>
    /// <param name="pose">pose head ([5 + 3K, anchors]), empty without pose.</param>
    public void Decode(
        ReadOnlySpan<float> objects, ReadOnlySpan<float> prototypes, ReadOnlySpan<float> pose, LetterboxGeometry geometry, Detections into)
    {
        DecodeObjects(objects, pose, geometry, into, _options.Confidence);
        Finish(objects, prototypes, geometry, into, []);
    }

    /// <summary>
    /// The first half of <see cref="Decode"/>: boxes, classes, scores and poses of every object scoring at least
    /// <paramref name="minScore"/> (a tracker's low threshold may be below the confidence), without masks:
    /// a mask is the costly part, and only the objects kept after tracking get one (<see cref="Finish"/>).
    /// </summary>
    public void DecodeObjects(ReadOnlySpan<float> objects, ReadOnlySpan<float> pose, LetterboxGeometry geometry, Detections into, float minScore)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        _anchors.Clear();
        int anchors = _model.Anchors;
        int classes = _model.ClassNames.Count;

        _candidates.Clear();
        _kept.Clear();
        _extractor.Extract(objects, anchors, classes, minScore, _candidates);
        NonMaxSuppression.Apply(_candidates, _options.IoU, _options.MaxCandidates, _options.MaxDetections, _kept);
        foreach (var c in _kept)
        {
            var box = ToSource(c, geometry);
            into.Add(box.X1, box.Y1, box.X2, box.Y2, c.ClassId, c.Score);
            _anchors.Add(c.Anchor);
        }

        if (_model.HasPose && !pose.IsEmpty)
        {
            AttachPoses(pose, geometry, into);
        }
    }

    /// <summary>
    /// The second half of <see cref="Decode"/>: drops the objects not flagged in <paramref name="keep"/> (empty:
    /// keeps all) and decodes the masks of the rest. Call once after <see cref="DecodeObjects"/>, with the same outputs.
    /// </summary>
    public void Finish(ReadOnlySpan<float> objects, ReadOnlySpan<float> prototypes, LetterboxGeometry geometry, Detections into, ReadOnlySpan<bool> keep)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (!keep.IsEmpty)
        {
            into.Compact(keep);
            int kept = 0;
            for (int i = 0; i < keep.Length; i++)
            {
                if (keep[i])
                {
                    _anchors[kept++] = _anchors[i];
                }
            }

            _anchors.RemoveRange(kept, _anchors.Count - kept);
        }

        if (!_model.HasSegmentation || prototypes.IsEmpty)
        {
            return; // no segmentation head, or a stream that did not ask for masks
        }

        int anchors = _model.Anchors;
        int classes = _model.ClassNames.Count;
        for (int index = 0; index < into.Count; index++)
        {
            int anchor = _anchors[index];
            if (anchor < 0)
            {
                continue; // a pose without a segment: no mask coefficients
            }

            for (int k = 0; k < _coefficients.Length; k++)
            {
                _coefficients[k] = objects[((4 + classes + k) * anchors) + anchor];
            }

            _masks.Decode(prototypes, _model.ProtoWidth, _model.ProtoHeight, _coefficients, geometry, _model.InputWidth, _model.InputHeight, into, index);
        }
    }

    private void AttachPoses(ReadOnlySpan<float> pose, LetterboxGeometry geometry, Detections into)
    {
        int anchors = _model.Anchors;
        _candidates.Clear();
        _kept.Clear();
        _extractor.Extract(pose, anchors, 1, _options.Confidence, _candidates);
        NonMaxSuppression.Apply(_candidates, _options.IoU, _options.MaxCandidates, _options.MaxDetections, _kept);
        _matched.Clear();
        int segmented = into.Count;
        foreach (var p in _kept)
        {
            var box = ToSource(p, geometry);
            KeypointRows.Read(pose, anchors, 5, p.Anchor, geometry, _keypoints); // after the box and the person score

            // Poses come best first; each takes the free person segment it overlaps most.
            int best = -1;
            float bestIoU = _options.PoseMatchIoU;
            for (int i = 0; i < segmented; i++)
            {
                if (into.ClassIds[i] != 0 || _matched.Contains(i))
                {
                    continue;
                }

                var s = into.GetBox(i);
                float iou = BoxMath.IoU(box.X1, box.Y1, box.X2, box.Y2, s.X1, s.Y1, s.X2, s.Y2);
                if (iou >= bestIoU)
                {
                    best = i;
                    bestIoU = iou;
                }
            }

            if (best < 0)
            {
                best = into.Add(box.X1, box.Y1, box.X2, box.Y2, 0, p.Score);
                _anchors.Add(-1);
            }

            _matched.Add(best);
            into.SetKeypoints(best, _keypoints);
        }
    }

    private static (float X1, float Y1, float X2, float Y2) ToSource(in BoxCandidate c, LetterboxGeometry g) =>
        (g.ClampX(g.ToSourceX(c.X1)), g.ClampY(g.ToSourceY(c.Y1)), g.ClampX(g.ToSourceX(c.X2)), g.ClampY(g.ToSourceY(c.Y2)));
}
