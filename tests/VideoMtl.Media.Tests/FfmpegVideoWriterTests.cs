using OpenCvSharp;
using System.Diagnostics;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Media.Tests;

/// <summary>The mp4 through an ffmpeg child: playable H.264 for every preset, playable after a kill, no child left.</summary>
public sealed class FfmpegVideoWriterTests
{
    [Theory]
    [InlineData(null, "H.264, x264 veryfast through ffmpeg (fragmented mp4)")]
    [InlineData("ultrafast", "H.264, x264 ultrafast through ffmpeg (fragmented mp4)")]
    [InlineData("medium", "H.264, x264 medium through ffmpeg (fragmented mp4)")]
    [InlineData("ffmpeg", "H.264, x264 medium through ffmpeg (fragmented mp4)")] // the old writer's name: its preset
    public void Writes_an_mp4_that_reads_back_with_the_same_frames(string? preset, string encoder)
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("out.mp4");
        const int frames = 30;
        using (var writer = FfmpegVideoWriter.Open(path, 320, 240, 15, preset))
        {
            Assert.Equal("avc1", writer.Codec);
            Assert.Equal(encoder, writer.Encoder);
            using var frame = new Mat(240, 320, MatType.CV_8UC3);
            for (int i = 0; i < frames; i++)
            {
                Images.Fill(frame, new BgrColor((byte)(i * 8), 128, (byte)(255 - (i * 8))));
                writer.Write(frame);
            }

            Assert.Equal(frames, writer.FramesWritten);
            writer.Close();
        }

        using var capture = VideoFileReader.Open(path);
        Assert.Equal(320, capture.Info.Width);
        Assert.Equal(240, capture.Info.Height);
        using var read = new Mat();
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
    public void A_file_name_with_quotes_and_spaces_is_written_as_is()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("say \"cheese\" now.mp4");
        using (var writer = FfmpegVideoWriter.Open(path, 64, 48, 10))
        {
            using var frame = new Mat(48, 64, MatType.CV_8UC3);
            for (int i = 0; i < 5; i++)
            {
                writer.Write(frame);
            }
        }

        Assert.Equal(5, MediaProbe.CountFrames(path));
    }

    [Fact]
    public void The_file_stays_playable_when_the_encoder_is_killed_mid_run()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("killed.mp4");
        using var writer = FfmpegVideoWriter.Open(path, 160, 120, 10);
        using var frame = new Mat(120, 160, MatType.CV_8UC3);
        for (int i = 0; i < 60; i++) // six 2-second fragments' worth at 10 fps
        {
            Images.Fill(frame, new BgrColor((byte)(i * 4), 64, 64));
            writer.Write(frame);
        }

        // Let ffmpeg encode what it was given, then cut it off as a crash would (SIGKILL: no clean close).
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline && new FileInfo(path).Length < 2000;)
        {
            Thread.Sleep(100);
        }

        Thread.Sleep(1000);
        using (var child = Process.GetProcessById(writer.ProcessId))
        {
            child.Kill();
            child.WaitForExit();
        }

        // Further frames fail with a clear error naming the file, instead of vanishing.
        var e = Assert.ThrowsAny<IOException>(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                writer.Write(frame);
            }
        });
        Assert.Contains("killed.mp4", e.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(writer.Close);

        int playable = MediaProbe.CountFrames(path);
        Assert.True(playable >= 20, $"only {playable} frames survived the kill"); // every finished fragment
    }

    [Fact]
    public void Close_leaves_no_ffmpeg_behind()
    {
        using var temp = new TemporaryDirectory();
        var writer = FfmpegVideoWriter.Open(temp.File("x.mp4"), 64, 64, 10);
        int pid = writer.ProcessId;
        writer.Dispose();
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid)); // reaped, not a zombie or a runaway
    }

    [Fact]
    public void Nvenc_needs_the_nvidia_driver_and_says_so_where_it_is_missing()
    {
        using var temp = new TemporaryDirectory();
        string path = temp.File("gpu.mp4");
        bool driver = System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out nint handle);
        if (!driver)
        {
            var e = Assert.Throws<VisionException>(() => FfmpegVideoWriter.Open(path, 64, 64, 10, VideoPresets.Nvenc));
            Assert.Contains("libcuda.so.1 not found", e.Message, StringComparison.Ordinal);
            Assert.Contains("use an x264 preset", e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
            return;
        }

        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        // A driver is there: the GPU either has NVENC (an H.264 file comes out) or not (data-centre GPUs such
        // as the A100/H100 have none), in which case the write fails with ffmpeg's reason, never silently.
        try
        {
            using var writer = FfmpegVideoWriter.Open(path, 64, 64, 10, VideoPresets.Nvenc);
            Assert.Equal("H.264, NVENC p4 through ffmpeg (fragmented mp4)", writer.Encoder);
            using var frame = new Mat(64, 64, MatType.CV_8UC3, Scalar.All(90));
            for (int i = 0; i < 10; i++)
            {
                writer.Write(frame);
            }

            writer.Close();
            Assert.Equal("h264", MediaProbe.CodecAndRate(path).Codec);
        }
        catch (IOException e)
        {
            Assert.Contains("ffmpeg encoder", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unknown_preset_is_refused_with_the_valid_ones_named()
    {
        using var temp = new TemporaryDirectory();
        var e = Assert.Throws<ArgumentException>(() => FfmpegVideoWriter.Open(temp.File("x.mp4"), 64, 64, 10, "turbo"));
        Assert.Contains("'turbo'", e.Message, StringComparison.Ordinal);
        Assert.Contains("veryfast", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_frame_of_the_wrong_size_instead_of_dropping_it()
    {
        using var temp = new TemporaryDirectory();
        using var writer = FfmpegVideoWriter.Open(temp.File("x.mp4"), 64, 64, 10);
        using var frame = new Mat(32, 32, MatType.CV_8UC3);
        var e = Assert.Throws<VisionException>(() => writer.Write(frame));
        Assert.Contains("32x32", e.Message, StringComparison.Ordinal);
        Assert.Contains("64x64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_output_folder_is_named()
    {
        var e = Assert.Throws<VisionException>(() => FfmpegVideoWriter.Open("/no/such/folder/out.mp4", 64, 64, 10));
        Assert.Contains("/no/such/folder", e.Message, StringComparison.Ordinal);
    }
}
