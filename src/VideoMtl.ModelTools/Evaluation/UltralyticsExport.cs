using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using VideoMtl.Core.Decoding;
using VideoMtl.Inference;
using VideoMtl.Vision;

namespace VideoMtl.ModelTools.Evaluation;

/// <summary>
/// An Ultralytics detection, segmentation or pose export run as it is (the teacher, or the segmentation source):
/// one image in, its first output ([1, 4 + classes + extra, anchors]) decoded into boxes, scores and, for pose,
/// keypoints in source pixels. The class count comes from the export's <c>names</c> metadata, the keypoint
/// count from <c>kpt_shape</c>.
/// </summary>
internal sealed partial class UltralyticsExport : IDisposable
{
    private readonly ModelSession _session;
    private readonly LetterboxTransform _letterbox;
    private readonly float[] _input;
    private readonly int _classes;
    private readonly int _anchors;
    private readonly int _rows;
    private readonly CandidateExtractor _extractor = new();
    private readonly List<BoxCandidate> _candidates = [];
    private readonly List<BoxCandidate> _kept = [];

    private UltralyticsExport(ModelSession session)
    {
        _session = session;
        string source = session.Source;
        var input = session.Inputs.Count == 1 ? session.Inputs[0] : throw new InvalidDataException($"{source}: expected one input, found {session.Inputs.Count}");
        if (input.Shape.Count != 4 || input.Shape[2] <= 0 || input.Shape[3] <= 0)
        {
            throw new InvalidDataException($"{source}: input {input} is not [1,3,H,W] with a fixed size");
        }

        _letterbox = new LetterboxTransform((int)input.Shape[3], (int)input.Shape[2]);
        _input = new float[_letterbox.TensorLength];
        var output = session.Outputs[0];
        if (output.Shape.Count != 3 || output.Shape[1] <= 4 || output.Shape[2] <= 0)
        {
            throw new InvalidDataException($"{source}: first output {output} is not [1, 4 + classes + ..., anchors]: not an Ultralytics detection, segmentation or pose export");
        }

        _rows = (int)output.Shape[1];
        _anchors = (int)output.Shape[2];
        _classes = session.CustomMetadata.TryGetValue("names", out string? names) ? NameEntry().Count(names) : 0;
        if (_classes <= 0 || 4 + _classes > _rows)
        {
            throw new InvalidDataException($"{source}: no usable 'names' metadata for its {_rows} output rows: not an Ultralytics export");
        }

        Keypoints = session.CustomMetadata.TryGetValue("kpt_shape", out string? shape) && KeypointShape().Match(shape) is { Success: true } m
            ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        if (Keypoints > 0 && 4 + _classes + (3 * Keypoints) != _rows)
        {
            throw new InvalidDataException($"{source}: kpt_shape says {Keypoints} keypoints, which does not fit its {_rows} output rows");
        }
    }

    /// <summary>Keypoints per object (0 unless a pose export).</summary>
    public int Keypoints { get; }

    public static UltralyticsExport Open(string path, InferenceSessionOptions? options = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: model not found (give an Ultralytics ONNX export)", path);
        }

        var session = ModelSession.Create(path, options);
        try
        {
            return new UltralyticsExport(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the image and returns its objects scoring at least <paramref name="confidence"/> after NMS, best first.</summary>
    public IReadOnlyList<ExportObject> Detect(Mat image, float confidence = 0.25f, float iou = 0.7f)
    {
        var geometry = _letterbox.Apply(image, _input);
        using var input = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, _letterbox.Height, _letterbox.Width]);
        using var outputs = _session.Run([input]);
        var head = outputs[0].GetTensorDataAsSpan<float>();
        _candidates.Clear();
        _kept.Clear();
        _extractor.Extract(head, _anchors, _classes, confidence, _candidates);
        NonMaxSuppression.Apply(_candidates, iou, 30_000, 300, _kept);
        var objects = new List<ExportObject>(_kept.Count);
        foreach (var c in _kept)
        {
            float[] keypoints = new float[3 * Keypoints];
            KeypointRows.Read(head, _anchors, 4 + _classes, c.Anchor, geometry, keypoints);

            objects.Add(new ExportObject(
                c.ClassId, c.Score,
                geometry.ClampX(geometry.ToSourceX(c.X1)), geometry.ClampY(geometry.ToSourceY(c.Y1)),
                geometry.ClampX(geometry.ToSourceX(c.X2)), geometry.ClampY(geometry.ToSourceY(c.Y2)),
                keypoints));
        }

        return objects;
    }

    public void Dispose() => _session.Dispose();

    // Ultralytics writes names as a Python dict: "{0: 'person', 1: 'bicycle', ...}".
    [GeneratedRegex(@"(?:^|[{,])\s*\d+\s*:")]
    private static partial Regex NameEntry();

    [GeneratedRegex(@"\[\s*(\d+)\s*,\s*3\s*\]")]
    private static partial Regex KeypointShape();
}
