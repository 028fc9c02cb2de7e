using Microsoft.ML.OnnxRuntime.Tensors;
using System.Globalization;
using System.Text.Json;
using VideoMtl.Inference;

namespace VideoMtl.Core.Model;

/// <summary>
/// What a multi-task model offers, read from its metadata and checked against its real outputs, so
/// a model that does not meet the contract (models/README.md) is refused with the reason.
/// </summary>
public sealed record ModelDescription
{
    public required string Source { get; init; }

    public required int InputWidth { get; init; }

    public required int InputHeight { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    public required int Anchors { get; init; }

    public bool HasSegmentation { get; init; }

    public bool HasPose { get; init; }

    public bool HasDetection { get; init; }

    public int MaskCoefficients { get; init; }

    public int ProtoWidth { get; init; }

    public int ProtoHeight { get; init; }

    public int Keypoints { get; init; }

    public IReadOnlyList<string> KeypointNames { get; init; } = [];

    public IReadOnlyList<(int A, int B)> Skeleton { get; init; } = [];

    /// <summary>The tasks the model can do: detection with any boxes head, segmentation and pose with their heads.</summary>
    public ModelTasks Tasks =>
        (HasSegmentation || HasDetection ? ModelTasks.Detect : ModelTasks.None)
        | (HasSegmentation ? ModelTasks.Segment : ModelTasks.None)
        | (HasPose ? ModelTasks.Pose : ModelTasks.None);

    public string ClassName(int id) => (uint)id < (uint)ClassNames.Count ? ClassNames[id] : id.ToString(CultureInfo.InvariantCulture);

    public static ModelDescription FromSession(ModelSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var meta = session.CustomMetadata;
        string source = session.Source;
        if (!meta.TryGetValue(ModelMetadataKeys.Tasks, out string? tasksText))
        {
            throw new InvalidDataException(
                $"{source} has no '{ModelMetadataKeys.Tasks}' metadata: it is not a VideoMtl multi-task model; build one with 'videomtl model build' (see models/README.md)");
        }

        var tasks = tasksText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        // One image input, then optionally task gates (int64 rows lists: segment_rows, pose_rows).
        var input = session.Inputs.Count == 1 + session.Gates.Count + session.AutoInputs.Count
            ? session.Inputs[0]
            : throw new InvalidDataException($"{source} must have one image input (and task gates after it), it has {session.Inputs.Count} inputs");
        if (input.ElementType != TensorElementType.Float || input.Shape.Count != 4 || input.Shape[1] != 3 || input.Shape[2] <= 0 || input.Shape[3] <= 0)
        {
            throw new InvalidDataException($"{source}: input {input} must be float[batch,3,H,W] with a fixed H and W");
        }

        var names = ReadNames(meta, source);
        var outputs = session.Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
        int anchors = -1;
        var description = new ModelDescription
        {
            Source = source,
            InputHeight = (int)input.Shape[2],
            InputWidth = (int)input.Shape[3],
            ClassNames = names,
            Anchors = 0,
        };

        if (tasks.Contains("segment"))
        {
            var boxes = Require(outputs, "seg_boxes", source);
            var protos = Require(outputs, "seg_protos", source);
            if (protos.Shape.Count != 4 || protos.Shape[2] <= 0 || protos.Shape[3] <= 0)
            {
                throw new InvalidDataException($"{source}: seg_protos {protos} must be [batch, coefficients, h, w]");
            }

            int coefficients = (int)protos.Shape[1];
            anchors = CheckHead(boxes, 4 + names.Count + coefficients, source, anchors);
            description = description with
            {
                HasSegmentation = true,
                MaskCoefficients = coefficients,
                ProtoHeight = (int)protos.Shape[2],
                ProtoWidth = (int)protos.Shape[3],
            };
        }

        if (tasks.Contains("pose"))
        {
            var pose = Require(outputs, "pose", source);
            int keypoints = ReadKeypointCount(meta, source);
            anchors = CheckHead(pose, 5 + (keypoints * 3), source, anchors);
            description = description with
            {
                HasPose = true,
                Keypoints = keypoints,
                KeypointNames = meta.TryGetValue(ModelMetadataKeys.KeypointNames, out string? kn) ? JsonSerializer.Deserialize<string[]>(kn) ?? [] : [],
                Skeleton = meta.TryGetValue(ModelMetadataKeys.Skeleton, out string? sk)
                    ? (JsonSerializer.Deserialize<int[][]>(sk) ?? []).Where(p => p.Length == 2 && p.All(i => i >= 0 && i < keypoints)).Select(p => (p[0], p[1])).ToList()
                    : [],
            };
        }

        if (tasks.Contains("detect"))
        {
            anchors = CheckHead(Require(outputs, "det_boxes", source), 4 + names.Count, source, anchors);
            description = description with { HasDetection = true };
        }

        if (!description.HasSegmentation && !description.HasDetection)
        {
            throw new InvalidDataException($"{source}: tasks '{tasksText}' include neither segment nor detect; objects need one of them");
        }

        return description with { Anchors = anchors };
    }

    private static ModelNode Require(Dictionary<string, ModelNode> outputs, string name, string source) =>
        outputs.TryGetValue(name, out var node)
            ? node
            : throw new InvalidDataException($"{source} lacks the output '{name}' its metadata promises (it has: {string.Join(", ", outputs.Keys)})");

    private static int CheckHead(ModelNode head, int channels, string source, int anchors)
    {
        if (head.ElementType != TensorElementType.Float || head.Shape.Count != 3 || head.Shape[1] != channels || head.Shape[2] <= 0)
        {
            throw new InvalidDataException($"{source}: output {head} must be float[batch,{channels},anchors]");
        }

        if (anchors >= 0 && head.Shape[2] != anchors)
        {
            throw new InvalidDataException($"{source}: output {head.Name} has {head.Shape[2]} anchors, the other heads {anchors}");
        }

        return (int)head.Shape[2];
    }

    private static List<string> ReadNames(IReadOnlyDictionary<string, string> meta, string source)
    {
        if (!meta.TryGetValue(ModelMetadataKeys.Names, out string? json))
        {
            throw new InvalidDataException($"{source} has no '{ModelMetadataKeys.Names}' metadata (class id → name)");
        }

        var map = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
        var names = new List<string>();
        for (int i = 0; map.TryGetValue(i.ToString(CultureInfo.InvariantCulture), out string? name); i++)
        {
            names.Add(name);
        }

        return names.Count == map.Count && names.Count > 0
            ? names
            : throw new InvalidDataException($"{source}: class names must be numbered 0..N-1 without gaps");
    }

    private static int ReadKeypointCount(IReadOnlyDictionary<string, string> meta, string source)
    {
        string text = meta.GetValueOrDefault(ModelMetadataKeys.KeypointShape, "[17, 3]");
        var shape = JsonSerializer.Deserialize<int[]>(text);
        return shape is [> 0, 3] ? shape[0] : throw new InvalidDataException($"{source}: kpt_shape {text} must be [K, 3]");
    }
}
