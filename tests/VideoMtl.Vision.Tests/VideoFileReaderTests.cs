using OpenCvSharp;
using VideoMtl.TestSupport;

namespace VideoMtl.Vision.Tests;

/// <summary>Video files through OpenCvSharp's VideoCapture (live sources: VideoMtl.Media.Tests).</summary>
public sealed class VideoFileReaderTests
{
    [Fact]
    public void Reads_every_frame_of_vtest_in_order_at_its_size()
    {
        using var capture = VideoFileReader.Open(TestData.VtestAvi);
        Assert.Equal(768, capture.Info.Width);
        Assert.Equal(576, capture.Info.Height);
        Assert.Equal(10.0, capture.Info.Fps, 3);
        Assert.Equal(795, capture.Info.FrameCount);
        Assert.Equal("FFMPEG", capture.Info.Backend);

        using var frame = new Mat();
        long expectedIndex = 0;
        double lastTimestamp = -1;
        while (capture.Read(frame, out var info))
        {
            Assert.Equal(expectedIndex, info.Index);
            Assert.Equal(768, info.Width);
            Assert.Equal(576, info.Height);
            Assert.True(info.TimestampMs > lastTimestamp, $"timestamp of frame {info.Index} did not increase");
            lastTimestamp = info.TimestampMs;
            expectedIndex++;
        }

        Assert.Equal(795, expectedIndex);
        Assert.Equal(79_400, lastTimestamp, 0);
    }

    [Fact]
    public void Reads_an_h264_mp4_with_its_metadata()
    {
        using var capture = VideoFileReader.Open(TestData.WalkingMp4);
        Assert.Equal(960, capture.Info.Width);
        Assert.Equal(540, capture.Info.Height);
        Assert.Equal(25.0, capture.Info.Fps, 2);
        Assert.Contains(capture.Info.Codec, new[] { "avc1", "h264" }); // the container tag or the codec, by OpenCV version
        using var frame = new Mat();
        Assert.True(capture.Read(frame, out var first));
        Assert.Equal(0, first.Index);
        Assert.Equal(0, first.TimestampMs, 1);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var e = Assert.Throws<VisionException>(() => VideoFileReader.Open("/no/such/dir/clip.mp4"));
        Assert.Equal(VisionErrorKind.NotFound, e.Kind);
        Assert.Contains("/no/such/dir/clip.mp4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_video_file_is_refused_clearly()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("notes.mp4");
        File.WriteAllText(path, "this is not a video, just text pretending to be one\n");
        var e = Assert.Throws<VisionException>(() => VideoFileReader.Open(path));
        Assert.Equal(VisionErrorKind.OpenFailed, e.Kind);
        Assert.StartsWith("cannot decode " + path + " as video", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_file_and_directory_are_refused()
    {
        using var temp = new TemporaryDirectory();
        string empty = temp.File("empty.avi");
        File.WriteAllBytes(empty, []);
        Assert.Contains("empty", Assert.Throws<VisionException>(() => VideoFileReader.Open(empty)).Message, StringComparison.Ordinal);
        Assert.Contains("directory", Assert.Throws<VisionException>(() => VideoFileReader.Open(temp.Path)).Message, StringComparison.Ordinal);
    }
}
