using VideoMtl.TestSupport;

namespace VideoMtl.Vision.Tests;

public sealed class VideoWriterTests
{
    // setup.sh installs GStreamer's x264enc, so the default and every preset must take the GStreamer path;
    // "ffmpeg" must take OpenCV's FFmpeg writer. Each must give the same playable H.264 file.
    [Theory]
    [InlineData(null, "H.264, x264 veryfast through GStreamer")]
    [InlineData("ultrafast", "H.264, x264 ultrafast through GStreamer")]
    [InlineData("medium", "H.264, x264 medium through GStreamer")]
    [InlineData("ffmpeg", "H.264 through FFmpeg")]
    public void Writes_an_mp4_that_reads_back_with_the_same_frames(string? preset, string encoder)
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("out.mp4");
        const int frames = 30;
        using (var writer = VideoWriter.Open(path, 320, 240, 15, preset: preset))
        {
            Assert.Equal("avc1", writer.Codec);
            Assert.Equal(encoder, writer.Encoder);
            using var frame = ImageBuffer.Create(320, 240);
            for (int i = 0; i < frames; i++)
            {
                Fill(frame, new BgrColor((byte)(i * 8), 128, (byte)(255 - (i * 8))));
                writer.Write(frame);
            }

            Assert.Equal(frames, writer.FramesWritten);
        }

        using var capture = VideoCapture.Open(path);
        Assert.Equal(320, capture.Info.Width);
        Assert.Equal(240, capture.Info.Height);
        Assert.Equal(frames, capture.Info.FrameCount);
        using var read = ImageBuffer.CreateEmpty();
        int count = 0;
        while (capture.Read(read, out _))
        {
            var center = read.GetPixel(160, 120);
            // Lossy codec: each frame's flat colour must come back close to what was written.
            Assert.InRange(center.B, Math.Max(0, (count * 8) - 12), (count * 8) + 12);
            Assert.InRange(center.G, 116, 140);
            count++;
        }

        Assert.Equal(frames, count);
        Assert.Equal(frames, MediaProbe.CountFrames(path));
        Assert.Equal(("h264", "15/1"), MediaProbe.CodecAndRate(path));
    }

    [Fact]
    public void A_file_name_that_a_GStreamer_pipeline_cannot_quote_is_written_through_FFmpeg()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("say \"cheese\".mp4");
        using (var writer = VideoWriter.Open(path, 64, 48, 10))
        {
            Assert.Equal("H.264 through FFmpeg", writer.Encoder);
            using var frame = ImageBuffer.Create(64, 48);
            for (int i = 0; i < 5; i++)
            {
                writer.Write(frame);
            }
        }

        Assert.Equal(5, MediaProbe.CountFrames(path));
    }

    [Fact]
    public void Unknown_preset_is_refused_with_the_valid_ones_named()
    {
        using var temp = new TemporaryDirectory();
        var e = Assert.Throws<ArgumentException>(() => VideoWriter.Open(temp.File("x.mp4"), 64, 64, 10, preset: "turbo"));
        Assert.Contains("'turbo'", e.Message, StringComparison.Ordinal);
        Assert.Contains("veryfast", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_frame_of_the_wrong_size_instead_of_dropping_it()
    {
        using var temp = new TemporaryDirectory();
        using var writer = VideoWriter.Open(temp.File("x.mp4"), 64, 64, 10);
        using var frame = ImageBuffer.Create(32, 32);
        var e = Assert.Throws<VisionException>(() => writer.Write(frame));
        Assert.Contains("32x32", e.Message, StringComparison.Ordinal);
        Assert.Contains("64x64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_output_folder_is_named()
    {
        var e = Assert.Throws<VisionException>(() => VideoWriter.Open("/no/such/folder/out.mp4", 64, 64, 10));
        Assert.Contains("/no/such/folder", e.Message, StringComparison.Ordinal);
    }

    internal static void Fill(ImageBuffer image, BgrColor color)
    {
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.GetRow(y);
            for (int x = 0; x < row.Length; x += 3)
            {
                row[x] = color.B;
                row[x + 1] = color.G;
                row[x + 2] = color.R;
            }
        }
    }
}
