namespace VideoMtl.Core.Model;

/// <summary>
/// The tasks a stream asks of the model, and those a model has. Detection is the base of every set: an object
/// is a box; segmentation adds its mask, pose its keypoints.
/// </summary>
[Flags]
public enum ModelTasks
{
    None = 0,
    Detect = 1,
    Segment = 2,
    Pose = 4,
    All = Detect | Segment | Pose,

    /// <summary>Not a task: the set's gated tasks run only for frames whose detections call for them (--tasks auto).</summary>
    Auto = 8,
}
