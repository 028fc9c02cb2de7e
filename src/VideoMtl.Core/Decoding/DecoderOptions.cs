namespace VideoMtl.Core.Decoding;

/// <summary>Thresholds shared by every head (defaults as Ultralytics' predict).</summary>
public sealed record DecoderOptions
{
    /// <summary>Minimum class score for a candidate.</summary>
    public float Confidence { get; init; } = 0.25f;

    /// <summary>Boxes of the same class overlapping more than this are suppressed.</summary>
    public float IoU { get; init; } = 0.7f;

    public int MaxDetections { get; init; } = 300;

    /// <summary>Candidates kept (best first) before NMS, bounding its quadratic cost.</summary>
    public int MaxCandidates { get; init; } = 30_000;

    /// <summary>A pose instance joins the person segment it overlaps at least this much.</summary>
    public float PoseMatchIoU { get; init; } = 0.5f;

    public void Validate()
    {
        if (!(Confidence is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "confidence threshold (--conf / Confidence) must be between 0 and 1 (exclusive)");
        }

        if (!(IoU is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(IoU), IoU, "IoU threshold (--iou / IoU) must be in (0, 1]");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDetections);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxCandidates);
    }
}
