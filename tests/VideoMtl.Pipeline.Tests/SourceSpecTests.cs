using VideoMtl.Pipeline.Sources;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Tests;

public sealed class SourceSpecTests
{
    [Theory]
    [InlineData("cam=rtsp://user:secret@10.0.0.5:554/stream", "cam", VideoSourceKind.Url)]
    [InlineData("rtsp://10.0.0.5:8554/live", "10_0_0_5-8554", VideoSourceKind.Url)]
    [InlineData("/dev/video2", "video2", VideoSourceKind.Device)]
    [InlineData("0", "video0", VideoSourceKind.Device)]
    [InlineData("clips/parking lot.mp4", "parking_lot", VideoSourceKind.File)]
    public void Names_are_given_or_derived_and_safe(string text, string name, VideoSourceKind kind)
    {
        var spec = SourceSpec.Parse(text);
        Assert.Equal((name, kind), (spec.Name, spec.Source.Kind));
        Assert.Null(spec.ImageFiles);
        Assert.True(SourceSpec.IsValidName(spec.Name));
    }

    [Theory]
    [InlineData("../x=a.mp4")]
    [InlineData("a b=a.mp4")]
    [InlineData("ünï=a.mp4")]
    public void Unsafe_names_are_refused(string text)
    {
        Assert.Contains("is invalid", Assert.Throws<ArgumentException>(() => SourceSpec.Parse(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_folders_and_globs_become_ordered_image_sets()
    {
        using var dir = new TemporaryDirectory();
        foreach (string name in new[] { "b.png", "a.jpg", "c.JPEG", "clip.mp4", "notes.txt" })
        {
            File.WriteAllText(dir.File(name), "x");
        }

        var folder = SourceSpec.Parse(dir.Path);
        Assert.Equal(["a.jpg", "b.png", "c.JPEG"], folder.ImageFiles!.Select(Path.GetFileName));
        Assert.Equal(SourceSpec.Parse(dir.Path).Name, Path.GetFileName(dir.Path).Replace('.', '_').Trim('_'));

        var glob = SourceSpec.Parse("shots=" + Path.Combine(dir.Path, "*.png"));
        Assert.Equal("shots", glob.Name);
        Assert.Equal(["b.png"], glob.ImageFiles!.Select(Path.GetFileName));

        var single = SourceSpec.Parse(dir.File("a.jpg"));
        Assert.Equal(("a", 1), (single.Name, single.ImageFiles!.Count));

        Assert.Null(SourceSpec.Parse(dir.File("clip.mp4")).ImageFiles);
    }

    [Fact]
    public void A_folder_or_glob_without_images_is_a_clear_error()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(dir.File("clip.mp4"), "x");
        Assert.Contains("has no image files", Assert.Throws<ArgumentException>(() => SourceSpec.Parse(dir.Path)).Message, StringComparison.Ordinal);
        Assert.Contains("has no image files", Assert.Throws<ArgumentException>(() => SourceSpec.Parse(Path.Combine(dir.Path, "*.jpg"))).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<ArgumentException>(() => SourceSpec.Parse("/no/such/folder/*.jpg")).Message, StringComparison.Ordinal);
    }
}
