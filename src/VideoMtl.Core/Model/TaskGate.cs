using VideoMtl.Inference;

namespace VideoMtl.Core.Model;

/// <summary>
/// One task gate of a model (see the model contract): the rows input listing the batch rows the task's part runs
/// for, the input offering rows that get it only if the frame qualifies (auto; null when the model has none), and
/// the output saying which rows were computed, in the order of the task's output rows.
/// </summary>
public sealed record TaskGate(string RowsInput, string? AutoRowsInput, int UsedOutput, ModelTasks Task)
{
    /// <summary>The gates the contract knows: each task with a part of its own and the rows input that gates it.</summary>
    public static IReadOnlyList<(ModelTasks Task, string RowsInput)> Known { get; } =
        [(ModelTasks.Segment, TaskGateNames.SegmentRows), (ModelTasks.Pose, TaskGateNames.PoseRows)];

    /// <summary>The task a rows input gates, or <see cref="ModelTasks.None"/> for a name the contract does not know.</summary>
    public static ModelTasks TaskOf(string rowsInput) => Known.FirstOrDefault(k => k.RowsInput == rowsInput).Task;

    /// <summary>The rows inputs of the gates a task set turns on.</summary>
    public static IEnumerable<string> RowsInputs(ModelTasks tasks) => Known.Where(k => tasks.HasFlag(k.Task)).Select(k => k.RowsInput);
}
