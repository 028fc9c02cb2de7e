namespace VideoMtl.Training;

/// <summary>
/// One epoch, averaged over its steps: the keypoint position loss (1 − OKS per visible keypoint), the visibility
/// loss (binary cross-entropy against the teacher's), the mean OKS against the teacher on the training anchors,
/// the learned task weights (position, visibility), the time taken.
/// </summary>
public sealed record EpochReport(int Epoch, double PositionLoss, double VisibilityLoss, double Oks, IReadOnlyList<float> TaskWeights, TimeSpan Took);
