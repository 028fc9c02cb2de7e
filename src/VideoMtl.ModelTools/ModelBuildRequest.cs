namespace VideoMtl.ModelTools;

/// <summary>What <c>videomtl model build</c> combines and where it writes.</summary>
/// <param name="VerifyImages">Real images for the equality checks; none = a fixed synthetic pattern.</param>
/// <param name="Float16">Store weights and activations as float16 (for GPU providers), float32 at the edges.</param>
public sealed record ModelBuildRequest(
    string SegmentModel,
    string PoseModel,
    string? DetectModel,
    string OutputPath,
    IReadOnlyList<string> VerifyImages,
    bool Float16 = false);
