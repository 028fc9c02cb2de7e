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

    /// <param name="objects">Boxes head ([4 + classes + coefficients, anchors]): seg_boxes, or det_boxes without segmentation.</param>
    /// <param name="prototypes">seg_protos for this image, empty without segmentation.</param>
    /// <param name="pose">pose head ([5 + 3K, anchors]), empty without pose.</param>
    public void Decode(
        ReadOnlySpan<float> objects, ReadOnlySpan<float> prototypes, ReadOnlySpan<float> pose, LetterboxGeometry geometry, Detections into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        int anchors = _model.Anchors;
        int classes = _model.ClassNames.Count;

        _candidates.Clear();
        _kept.Clear();
        _extractor.Extract(objects, anchors, classes, _options.Confidence, _candidates);
        NonMaxSuppression.Apply(_candidates, _options.IoU, _options.MaxCandidates, _options.MaxDetections, _kept);
        foreach (var c in _kept)
        {
            var box = ToSource(c, geometry);
            int index = into.Add(box.X1, box.Y1, box.X2, box.Y2, c.ClassId, c.Score);
            if (_model.HasSegmentation)
            {
                for (int k = 0; k < _coefficients.Length; k++)
                {
                    _coefficients[k] = objects[((4 + classes + k) * anchors) + c.Anchor];
                }

                _masks.Decode(prototypes, _model.ProtoWidth, _model.ProtoHeight, _coefficients, geometry, _model.InputWidth, _model.InputHeight, into, index);
            }
        }

        if (_model.HasPose && !pose.IsEmpty)
        {
            AttachPoses(pose, geometry, into);
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
            for (int k = 0; k < _model.Keypoints; k++)
            {
                int channel = 5 + (3 * k);
                _keypoints[3 * k] = geometry.ClampX(geometry.ToSourceX(pose[(channel * anchors) + p.Anchor]));
                _keypoints[(3 * k) + 1] = geometry.ClampY(geometry.ToSourceY(pose[((channel + 1) * anchors) + p.Anchor]));
                _keypoints[(3 * k) + 2] = pose[((channel + 2) * anchors) + p.Anchor];
            }

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
            }

            _matched.Add(best);
            into.SetKeypoints(best, _keypoints);
        }
    }

    private static (float X1, float Y1, float X2, float Y2) ToSource(in BoxCandidate c, LetterboxGeometry g) =>
        (g.ClampX(g.ToSourceX(c.X1)), g.ClampY(g.ToSourceY(c.Y1)), g.ClampX(g.ToSourceX(c.X2)), g.ClampY(g.ToSourceY(c.Y2)));
}
