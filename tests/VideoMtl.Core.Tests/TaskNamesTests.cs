using VideoMtl.Core.Model;

namespace VideoMtl.Core.Tests;

public sealed class TaskNamesTests
{
    [Theory]
    [InlineData("detect", ModelTasks.Detect)]
    [InlineData("segment", ModelTasks.Detect | ModelTasks.Segment)]
    [InlineData("pose, detect", ModelTasks.Detect | ModelTasks.Pose)]
    [InlineData("Detect,Segment,Pose", ModelTasks.All)]
    [InlineData("all", ModelTasks.All)]
    [InlineData("auto", ModelTasks.All | ModelTasks.Auto)]
    [InlineData("detect,pose,auto", ModelTasks.Detect | ModelTasks.Pose | ModelTasks.Auto)]
    public void Names_parse_and_detection_is_in_every_set(string text, ModelTasks expected) => Assert.Equal(expected, TaskNames.Parse(text, "--tasks"));

    [Theory]
    [InlineData("depth")]
    [InlineData("detect,")]
    [InlineData("")]
    public void An_unknown_name_is_named_with_the_known_ones(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => TaskNames.Parse(text, "--tasks / Tasks"));
        Assert.StartsWith($"--tasks / Tasks '{text}': unknown task", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("use detect, segment, pose (comma-separated), all, or auto", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sets_format_in_a_fixed_order()
    {
        Assert.Equal("detect,pose", TaskNames.Format(ModelTasks.Pose | ModelTasks.Detect));
        Assert.Equal(["detect", "segment", "pose"], TaskNames.Names(ModelTasks.All));
    }
}
