namespace VideoMtl.ModelTools.Evaluation;

/// <summary>One image's (or frame's) figures.</summary>
/// <param name="Image">File name, with "#frame" for a video frame.</param>
/// <param name="TeacherPersons">The teacher's persons scoring at least the teacher threshold.</param>
/// <param name="Matched">Of those, how many the model found (box IoU ≥ 0.5, each used once).</param>
/// <param name="MatchedOks50">Matched with an OKS of at least 0.5.</param>
/// <param name="OksSum">Sum of the matched persons' OKS (over <paramref name="OksCount"/> persons with a visible keypoint).</param>
/// <param name="SegmentObjects">The segmentation source's objects scoring at least 0.5 (0 without one).</param>
/// <param name="SegmentMatched">Of those, found by the model with the same class (box IoU ≥ 0.5).</param>
/// <param name="BoxIoUSum">Sum of those matches' box IoU.</param>
public sealed record ImageScore(
    string Image, int TeacherPersons, int Matched, int MatchedOks50, double OksSum, int OksCount, int SegmentObjects, int SegmentMatched, double BoxIoUSum)
{
    public double? MeanOks => OksCount == 0 ? null : OksSum / OksCount;
}
