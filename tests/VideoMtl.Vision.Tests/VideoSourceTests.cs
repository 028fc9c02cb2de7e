namespace VideoMtl.Vision.Tests;

public sealed class VideoSourceTests
{
    [Theory]
    [InlineData("clip.mp4", VideoSourceKind.File, "clip.mp4", -1)]
    [InlineData("file:///data/a.avi", VideoSourceKind.File, "/data/a.avi", -1)]
    [InlineData("0", VideoSourceKind.Device, "/dev/video0", 0)]
    [InlineData("/dev/video2", VideoSourceKind.Device, "/dev/video2", -1)]
    [InlineData("rtsp://cam.local:554/live", VideoSourceKind.Url, "rtsp://cam.local:554/live", -1)]
    [InlineData("HTTP://host/stream.mjpg", VideoSourceKind.Url, "HTTP://host/stream.mjpg", -1)]
    [InlineData("udp://127.0.0.1:5000", VideoSourceKind.Url, "udp://127.0.0.1:5000", -1)]
    public void Parses_each_kind_of_source(string text, VideoSourceKind kind, string location, int index)
    {
        var source = VideoSource.Parse(text);
        Assert.Equal(kind, source.Kind);
        Assert.Equal(location, source.Location);
        Assert.Equal(index, source.DeviceIndex);
        Assert.Equal(kind != VideoSourceKind.File, source.IsLive);
    }

    [Theory]
    [InlineData("rtsp://user:pass@host:554/x", "rtsp://***@host:554/x")]
    [InlineData("http://token@host/a@b", "http://***@host/a@b")]
    [InlineData("rtsp://host/path?u=a@b", "rtsp://host/path?u=a@b")]
    [InlineData("https://u:p@h", "https://***@h")]
    [InlineData("/plain/path@x.mp4", "/plain/path@x.mp4")]
    public void Redacts_only_the_user_info(string url, string expected) =>
        Assert.Equal(expected, VideoSource.RedactCredentials(url));

    [Fact]
    public void Display_name_never_carries_the_password()
    {
        var source = VideoSource.Parse("rtsp://admin:hunter2@10.0.0.5/main");
        Assert.Equal("rtsp://***@10.0.0.5/main", source.DisplayName);
        Assert.Equal("rtsp://***@10.0.0.5/main", source.ToString());
        Assert.Contains("hunter2", source.Location, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ftp://host/file.mp4")]
    public void Rejects_what_cannot_be_a_source(string text)
    {
        var e = Assert.Throws<VisionException>(() => VideoSource.Parse(text));
        Assert.Equal(VisionErrorKind.InvalidArgument, e.Kind);
    }
}
