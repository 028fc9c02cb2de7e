namespace VideoMtl.ModelTools.Evaluation;

/// <summary>Every image's figures and their totals.</summary>
/// <param name="JointMeanErrorPx">Per keypoint: mean distance in pixels between the teacher's (where it sees the joint) and the model's, over matched persons.</param>
public sealed record EvaluationReport(IReadOnlyList<ImageScore> Images, IReadOnlyList<string> JointNames, IReadOnlyList<double?> JointMeanErrorPx)
{
    public int TeacherPersons => Images.Sum(i => i.TeacherPersons);

    public int Matched => Images.Sum(i => i.Matched);

    /// <summary>Share of the teacher's persons the model found.</summary>
    public double MatchedShare => TeacherPersons == 0 ? 0 : Matched / (double)TeacherPersons;

    /// <summary>Share of the teacher's persons the model found with an OKS of at least 0.5: the quality goal's first half.</summary>
    public double MatchedOks50Share => TeacherPersons == 0 ? 0 : Images.Sum(i => i.MatchedOks50) / (double)TeacherPersons;

    /// <summary>Mean OKS over the matched persons: the quality goal's second half.</summary>
    public double? MeanOks => Images.Sum(i => i.OksCount) is var n and > 0 ? Images.Sum(i => i.OksSum) / n : null;

    public int SegmentObjects => Images.Sum(i => i.SegmentObjects);

    public double SegmentMatchedShare => SegmentObjects == 0 ? 0 : Images.Sum(i => i.SegmentMatched) / (double)SegmentObjects;

    public double? MeanBoxIoU => Images.Sum(i => i.SegmentMatched) is var n and > 0 ? Images.Sum(i => i.BoxIoUSum) / n : null;
}
