namespace VideoMtl.Inference;

/// <summary>
/// The names of a gated model's task-gate inputs and outputs (the model contract, models/README.md), declared
/// once: the builder writes them, the session binds them and the runtime reads them, so they must agree.
/// A gate is named by its rows input (<c>TASK_rows</c>, int64 [rows]): the batch rows that get the gated part.
/// </summary>
public static class TaskGateNames
{
    /// <summary>Rows that get the mask prototypes.</summary>
    public const string SegmentRows = "segment_rows";

    /// <summary>Rows that get the pose part.</summary>
    public const string PoseRows = "pose_rows";

    /// <summary>The score an auto row must pass to get a gated part (float scalar, shared by every gate).</summary>
    public const string AutoThreshold = "auto_threshold";

    private const string RowsSuffix = "_rows";
    private const string AutoRowsSuffix = "_auto_rows";
    private const string UsedSuffix = "_used";

    /// <summary>The gate's input offering rows that get the part only if their frame qualifies (pose_auto_rows).</summary>
    public static string AutoRows(string rows) => rows.EndsWith(RowsSuffix, StringComparison.Ordinal)
        ? string.Concat(rows.AsSpan(0, rows.Length - RowsSuffix.Length), AutoRowsSuffix)
        : throw new ArgumentException($"'{rows}' is not a gate's rows input (TASK{RowsSuffix})", nameof(rows));

    /// <summary>The gate's int64 output listing the rows it computed, in its output's order (pose_rows_used).</summary>
    public static string Used(string rows) => rows + UsedSuffix;

    /// <summary>True for an auto rows input (TASK_auto_rows).</summary>
    public static bool IsAutoRows(string name) => name.EndsWith(AutoRowsSuffix, StringComparison.Ordinal);

    /// <summary>True for a rows-used output (TASK_rows_used).</summary>
    public static bool IsUsed(string name) => name.EndsWith(RowsSuffix + UsedSuffix, StringComparison.Ordinal);
}
