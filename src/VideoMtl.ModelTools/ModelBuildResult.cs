namespace VideoMtl.ModelTools;

/// <summary>What a build did and measured.</summary>
public sealed record ModelBuildResult(
    string OutputPath,
    long OutputBytes,
    IReadOnlyList<string> Tasks,
    IReadOnlyList<string> Outputs,
    int ConvIntegerRewritten,
    int ReshapesRewritten,
    int NodesRemoved,
    IReadOnlyList<HeadVerification> Verification);
