using VideoMtl.Pipeline.Sources;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Tests;

public sealed class PipelineOptionsTests
{
    [Theory]
    [InlineData("/data/Front Door.mp4", "Front_Door", VideoSourceKind.File)]
    [InlineData("lobby=/data/x.mp4", "lobby", VideoSourceKind.File)]
    [InlineData("rtsp://user:pw@10.1.2.3:554/main", "10_1_2_3-554", VideoSourceKind.Url)]
    [InlineData("cam1=rtsp://host/a=b", "cam1", VideoSourceKind.Url)]
    [InlineData("/dev/video0", "video0", VideoSourceKind.Device)]
    public void Source_names_are_given_or_derived_and_safe(string text, string name, VideoSourceKind kind)
    {
        var spec = SourceSpec.Parse(text);
        Assert.Equal((name, kind), (spec.Name, spec.Source.Kind));
    }

    [Theory]
    [InlineData("../etc=/x.mp4")]
    [InlineData("a b=/x.mp4")]
    public void Unsafe_stream_names_are_refused(string text) =>
        Assert.Contains("is invalid", Assert.Throws<ArgumentException>(() => SourceSpec.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Validation_names_the_bad_setting()
    {
        var sources = new[] { SourceSpec.Parse("a=/x.mp4") };
        var valid = new PipelineOptions { Sources = sources, OutputDirectory = "out", ModelPath = "m.onnx" };
        valid.Validate();
        Assert.Contains("two sources are named 'a'", Assert.Throws<ArgumentException>(() => (valid with { Sources = [sources[0], SourceSpec.Parse("a=/y.mp4")] }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("MaxBatch 0", Assert.Throws<ArgumentException>(() => (valid with { MaxBatch = 0 }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("no source", Assert.Throws<ArgumentException>(() => (valid with { Sources = [] }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("every output is switched off", Assert.Throws<ArgumentException>(() => (valid with { WriteNdjson = false, WriteVideo = false }).Validate()).Message, StringComparison.Ordinal);
    }
}
