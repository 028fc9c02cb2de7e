namespace VideoMtl.Core.Model;

/// <summary>Task sets as users write them: <c>detect,segment,pose</c> (any order), or <c>all</c>.</summary>
public static class TaskNames
{
    private static readonly (string Name, ModelTasks Task)[] Known = [("detect", ModelTasks.Detect), ("segment", ModelTasks.Segment), ("pose", ModelTasks.Pose)];

    private static readonly (string Name, ModelTasks Task)[] Shown = [.. Known, ("auto", ModelTasks.Auto)];

    /// <summary>Every task name, in their order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Known.Select(k => k.Name)];

    /// <summary>
    /// Parses a comma-separated list; detection is added to any set (the objects the masks and keypoints belong to).
    /// </summary>
    /// <param name="setting">How the user wrote the setting, for the message (e.g. "--tasks / Tasks").</param>
    /// <exception cref="ArgumentException">An unknown or empty name, naming the setting and the known names.</exception>
    public static ModelTasks Parse(string text, string setting)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tasks = ModelTasks.None;
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (string part in parts)
        {
            if (part.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                tasks |= ModelTasks.All;
                continue;
            }

            if (part.Equals("auto", StringComparison.OrdinalIgnoreCase))
            {
                // Alone: every task, each when the frame calls for it; with tasks: those, the same way.
                tasks |= ModelTasks.Auto | (parts.Length == 1 ? ModelTasks.All : ModelTasks.None);
                continue;
            }

            var known = Array.Find(Known, k => k.Name.Equals(part, StringComparison.OrdinalIgnoreCase));
            if (known.Name is null)
            {
                throw new ArgumentException($"{setting} '{text}': unknown task '{part}': use {string.Join(", ", All)} (comma-separated), all, or auto");
            }

            tasks |= known.Task;
        }

        return tasks | ModelTasks.Detect;
    }

    /// <summary>The set as names, e.g. ["detect", "pose"].</summary>
    public static IReadOnlyList<string> Names(ModelTasks tasks) => [.. Shown.Where(k => tasks.HasFlag(k.Task)).Select(k => k.Name)];

    /// <summary>The set as users write it, e.g. "detect,pose".</summary>
    public static string Format(ModelTasks tasks) => string.Join(',', Names(tasks));
}
