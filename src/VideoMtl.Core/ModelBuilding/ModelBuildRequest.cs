namespace VideoMtl.Core.ModelBuilding;

/// <summary>What <c>videomtl model build</c> combines and where it writes.</summary>
/// <param name="VerifyImages">Real images for the equality checks; none = a fixed synthetic pattern.</param>
public sealed record ModelBuildRequest(
    string SegmentModel,
    string PoseModel,
    string? DetectModel,
    string OutputPath,
    IReadOnlyList<string> VerifyImages);
