namespace VideoMtl.Training;

public sealed record DistillResult(string OutputPath, long OutputBytes, int Samples, int ResumedAtEpoch, IReadOnlyList<EpochReport> Epochs, TimeSpan Extraction, TimeSpan Training);
