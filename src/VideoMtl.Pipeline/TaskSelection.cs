using VideoMtl.Core.Model;

namespace VideoMtl.Pipeline;

/// <summary>Which tasks a stream gets: its own set, else the run's, else all the model has.</summary>
public static class TaskSelection
{
    /// <exception cref="ArgumentException">
    /// The stream asks for a task the model lacks: the message names the stream, the task, the model's tasks and the fix.
    /// </exception>
    public static ModelTasks Resolve(string stream, ModelTasks? own, ModelTasks? run, ModelTasks model, string modelName)
    {
        var asked = own ?? run ?? model;
        var missing = asked & ~model & ~ModelTasks.Auto;
        if (missing != ModelTasks.None)
        {
            throw new ArgumentException(
                $"stream '{stream}' asks for {TaskNames.Format(missing)}, which the model {modelName} does not have " +
                $"(its tasks: {TaskNames.Format(model)}): drop it from --tasks / Tasks / StreamTasks:{stream}, or use a model with that head");
        }

        return asked;
    }
}
