namespace VideoMtl.Training;

/// <param name="Views">Views of training frames the examples came from.</param>
/// <param name="Samples">Anchors trained on.</param>
public sealed record DistillResult(
    string OutputPath, long OutputBytes, int Views, int Samples, int ResumedAtEpoch, IReadOnlyList<EpochReport> Epochs, TimeSpan Extraction, TimeSpan Training);
