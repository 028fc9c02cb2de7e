namespace VideoMtl.Core.Model;

/// <summary>
/// One task gate of a model (see the model contract): the rows input listing the batch rows the task's part runs
/// for, the input offering rows that get it only if the frame qualifies (auto; null when the model has none), and
/// the output saying which rows were computed, in the order of the task's output rows.
/// </summary>
public sealed record TaskGate(string RowsInput, string? AutoRowsInput, int UsedOutput, ModelTasks Task);
