namespace VideoMtl.ModelTools.Evaluation;

/// <summary>What <c>model evaluate</c> compares: a multi-task model's poses (and boxes) against the teacher's (and the segmentation source's).</summary>
/// <param name="Teacher">The pose export the keypoints are judged against.</param>
/// <param name="Model">The multi-task model under test.</param>
/// <param name="Segment">Optional segmentation export: the model's boxes are compared with its boxes too.</param>
/// <param name="Files">Images, or videos (every frame, or every <paramref name="Every"/>th).</param>
/// <param name="HeldOut">Videos: only their last 20% of frames, the part <c>model distill</c> holds out.</param>
/// <param name="TeacherScore">The teacher's persons that count: those scoring at least this.</param>
public sealed record EvaluationRequest(
    string Teacher, string Model, string? Segment, IReadOnlyList<string> Files, bool HeldOut = false, int Every = 1, float TeacherScore = 0.5f);
