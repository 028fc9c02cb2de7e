using VideoMtl.Core.Model;

namespace VideoMtl.Pipeline.Tests;

public sealed class TaskSelectionTests
{
    [Fact]
    public void A_streams_own_set_wins_over_the_runs_which_wins_over_the_models()
    {
        Assert.Equal(ModelTasks.Detect, TaskSelection.Resolve("door", ModelTasks.Detect, ModelTasks.All, ModelTasks.All, "m.onnx"));
        Assert.Equal(ModelTasks.Detect | ModelTasks.Pose, TaskSelection.Resolve("door", null, ModelTasks.Detect | ModelTasks.Pose, ModelTasks.All, "m.onnx"));
        Assert.Equal(ModelTasks.Detect | ModelTasks.Segment, TaskSelection.Resolve("door", null, null, ModelTasks.Detect | ModelTasks.Segment, "m.onnx"));
    }

    [Fact]
    public void A_task_the_model_lacks_is_one_message_naming_stream_task_model_and_fix()
    {
        var e = Assert.Throws<ArgumentException>(() => TaskSelection.Resolve("door", ModelTasks.Detect | ModelTasks.Pose, null, ModelTasks.Detect | ModelTasks.Segment, "seg-only.onnx"));
        Assert.Equal(
            "stream 'door' asks for pose, which the model seg-only.onnx does not have (its tasks: detect,segment): drop it from --tasks / Tasks / StreamTasks:door, or use a model with that head",
            e.Message);
    }
}
