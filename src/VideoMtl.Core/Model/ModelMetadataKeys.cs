namespace VideoMtl.Core.Model;

/// <summary>
/// metadata_props keys of a VideoMtl multi-task model (documented in models/README.md). The runtime
/// configures its decoders from these alone, so a user's own model works once it carries them.
/// </summary>
public static class ModelMetadataKeys
{
    /// <summary>Contract version of this metadata ("1").</summary>
    public const string Format = "videomtl.format";

    /// <summary>Comma-separated tasks: segment, pose, detect.</summary>
    public const string Tasks = "videomtl.tasks";

    /// <summary>JSON object: output name → {"task", "kind", ...} (see models/README.md).</summary>
    public const string Outputs = "videomtl.outputs";

    /// <summary>JSON object: class id (string) → class name.</summary>
    public const string Names = "names";

    /// <summary>"[17, 3]": keypoints per instance and values per keypoint (x, y, visibility).</summary>
    public const string KeypointShape = "kpt_shape";

    /// <summary>JSON array of keypoint names, in output order.</summary>
    public const string KeypointNames = "kpt_names";

    /// <summary>JSON array of [a, b] 0-based keypoint index pairs to connect when drawing.</summary>
    public const string Skeleton = "skeleton";

    /// <summary>"[height, width]" of the model input.</summary>
    public const string ImageSize = "imgsz";

    /// <summary>Largest feature-map stride, e.g. "32".</summary>
    public const string Stride = "stride";

    /// <summary>"fp32", or "fp16" for float16 weights and activations (inputs and outputs stay float32).</summary>
    public const string Precision = "videomtl.precision";

    /// <summary>Prefix of "videomtl.source.TASK.file" and "videomtl.source.TASK.sha256".</summary>
    public const string SourcePrefix = "videomtl.source.";
}
