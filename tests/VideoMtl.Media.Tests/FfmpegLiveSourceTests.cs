using OpenCvSharp;
using System.Diagnostics;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Media.Tests;

/// <summary>A network stream through an ffmpeg child process, against a real RTSP server on loopback.</summary>
[Collection(LiveServers.Name)]
public sealed class FfmpegLiveSourceTests
{
    private static readonly CaptureOptions Quick = new() { OpenTimeout = TimeSpan.FromSeconds(15), ReadTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Reads_frames_from_an_rtsp_camera_over_tcp()
    {
        using var server = new LoopbackRtspServer("cam");
        await server.StartAsync();
        using var first = new Mat();
        using var source = FfmpegLiveSource.Open(VideoSource.Parse(server.Url), Quick, first);
        Assert.Equal((320, 240), (source.Info.Width, source.Info.Height));
        Assert.Equal((320, 240), (first.Width, first.Height));

        using var frame = new Mat();
        Assert.True(source.Read(frame, out var info)); // the frame Open read comes first
        Assert.Equal(0, info.Index);
        for (int i = 1; i <= 10; i++)
        {
            Assert.True(source.Read(frame, out info));
            Assert.Equal(i, info.Index);
            Assert.Equal((320, 240), (frame.Width, frame.Height));
        }

        // The test pattern is not a black screen: the BMP rows landed where they belong.
        Assert.NotEqual(new BgrColor(0, 0, 0), frame.GetPixel(10, 10));
    }

    [Fact]
    public async Task A_killed_child_ends_the_read_at_once_and_leaves_no_process()
    {
        using var server = new LoopbackRtspServer("cam");
        await server.StartAsync();
        using var frame = new Mat();
        var source = FfmpegLiveSource.Open(VideoSource.Parse(server.Url), Quick, frame);
        int pid = source.ProcessId;
        using (var child = Process.GetProcessById(pid))
        {
            child.Kill(); // SIGKILL, as a crash of the decoder would
        }

        var clock = Stopwatch.StartNew();
        while (source.Read(frame, out _))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "frames kept coming from a killed process");
        }

        source.Dispose();
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));
    }

    [Fact]
    public void A_server_that_is_not_there_fails_the_open_with_ffmpegs_reason_and_no_credentials()
    {
        int port = LoopbackPorts.Free();
        var clock = Stopwatch.StartNew();
        using var frame = new Mat();
        var e = Assert.Throws<VisionException>(() =>
            FfmpegLiveSource.Open(VideoSource.Parse($"rtsp://admin:secret@127.0.0.1:{port}/cam"), Quick, frame));
        Assert.Equal(VisionErrorKind.OpenFailed, e.Kind);
        Assert.StartsWith($"cannot open rtsp://***@127.0.0.1:{port}/cam: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Delivers_each_camera_frame_once_at_the_camera_rate()
    {
        using var server = new LoopbackRtspServer("cam"); // 10 frames/s
        await server.StartAsync();
        using var frame = new Mat();
        using var source = FfmpegLiveSource.Open(VideoSource.Parse(server.Url), Quick, frame);
        var clock = Stopwatch.StartNew();
        int frames = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(3) && source.Read(frame, out _))
        {
            frames++;
        }

        // About 30 in 3 s (more only from what ffmpeg buffered while opening); never frames made up to fill a
        // frame rate the source does not have.
        Assert.InRange(frames, 5, 60);
    }

    [Fact]
    public void A_missing_camera_is_refused_clearly_without_starting_ffmpeg()
    {
        using var frame = new Mat();
        var e = Assert.Throws<VisionException>(() => FfmpegLiveSource.Open(VideoSource.Parse("/dev/video97"), Quick, frame));
        Assert.Equal(VisionErrorKind.OpenFailed, e.Kind);
        Assert.Contains("camera /dev/video97", e.Message, StringComparison.Ordinal);
        Assert.Contains("ls /dev/video*", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_stream_is_ended_by_the_watchdog_within_the_read_timeout()
    {
        using var server = new LoopbackRtspServer("cam");
        await server.StartAsync();
        using var frame = new Mat();
        using var source = FfmpegLiveSource.Open(VideoSource.Parse(server.Url), Quick, frame);
        Assert.True(source.Read(frame, out _));
        using (var pause = Process.Start("kill", ["-STOP", server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            pause.WaitForExit();
        }

        try
        {
            var clock = Stopwatch.StartNew();
            while (source.Read(frame, out _))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "a frozen server kept the read waiting");
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the read ended only after {clock.Elapsed}");
        }
        finally
        {
            using var resume = Process.Start("kill", ["-CONT", server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            resume.WaitForExit();
        }
    }
}

/// <summary>Tests with live servers run one at a time: they measure real-time deadlines.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveServers
{
    public const string Name = "live servers";
}
