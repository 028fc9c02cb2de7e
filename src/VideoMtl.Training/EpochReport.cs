namespace VideoMtl.Training;

/// <summary>One epoch: the normalised feature error per level (mean squared error over the target's variance: 0 is perfect, 1 is guessing the mean), the learned task weights, the time taken.</summary>
public sealed record EpochReport(int Epoch, IReadOnlyList<double> LevelError, IReadOnlyList<float> TaskWeights, TimeSpan Took);
