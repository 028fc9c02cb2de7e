using Microsoft.Extensions.Logging;
using VideoMtl.Pipeline.Sources;
using VideoMtl.TestSupport;

namespace VideoMtl.Pipeline.Tests;

/// <summary>
/// Damaged and unusual inputs, made with ffmpeg: each either works or fails with a clear message, the run
/// goes on, and the outputs stay whole.
/// </summary>
public sealed class OddInputTests : IClassFixture<PipelineFixture>, IClassFixture<OddInputTests.OddMedia>
{
    private readonly PipelineFixture _fixture;
    private readonly OddMedia _media;

    public OddInputTests(PipelineFixture fixture, OddMedia media)
    {
        _fixture = fixture;
        _media = media;
    }

    [Fact]
    public async Task Damaged_and_truncated_files_are_read_to_the_end_with_the_shortfall_counted()
    {
        using var output = new TemporaryDirectory();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var loggers = new RecordingLoggerFactory();
        var summary = await new PipelineRunner(Options(output.Path, ["corrupt=" + _media.Corrupt, "cut=" + _media.Truncated]), loggers, registry: registry).RunAsync(CancellationToken.None);

        foreach (var stream in summary.Streams)
        {
            Assert.Null(stream.Error);
            Assert.True(stream.Processed > 0 && stream.Processed == stream.Captured, $"{stream.Name}: {stream.Processed}/{stream.Captured}");
            Assert.Equal(40, stream.Processed + stream.Dropped); // every announced frame is either a result or a counted drop
            Assert.Equal(stream.Processed, File.ReadAllLines(Path.Combine(output.Path, stream.Name + ".ndjson")).Length);
            Assert.Equal(stream.Processed, MediaProbe.CountFrames(Path.Combine(output.Path, stream.Name + ".mp4")));
        }

        Assert.True(summary.Streams[0].Dropped >= 1, "the damaged file lost frames, and they are counted");
        Assert.True(summary.Streams[1].Processed < 30, "the truncated file holds about half its frames");
        string metrics = registry.Scrape();
        var dropped = metrics.Split('\n').Single(l => l.StartsWith("videomtl_frames_dropped_total{", StringComparison.Ordinal)
            && l.Contains("stream=\"cut\"", StringComparison.Ordinal) && l.Contains("reason=\"decode_error\"", StringComparison.Ordinal));
        Assert.EndsWith($"}} {summary.Streams[1].Dropped}", dropped, StringComparison.Ordinal);
        Assert.Single(loggers.Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("cut: ", StringComparison.Ordinal) && e.Message.Contains("could not be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tiny_huge_gray_variable_rate_resizing_and_misnamed_sources_all_work()
    {
        using var output = new TemporaryDirectory();
        var summary = await new PipelineRunner(
            Options(output.Path, ["tiny=" + _media.OnePixel, "huge=" + _media.EightK, "gray=" + _media.Gray, "vfr=" + _media.VariableRate, "resize=" + _media.ResolutionChange, "misnamed=" + _media.Misnamed]) with { MaxFramesPerSource = 8 },
            new RecordingLoggerFactory()).RunAsync(CancellationToken.None);

        foreach (var stream in summary.Streams)
        {
            Assert.Null(stream.Error);
            Assert.True(stream.Processed > 0 && stream.Processed == stream.Captured, $"{stream.Name}: {stream.Processed}/{stream.Captured}");
            Assert.Equal(stream.Processed, MediaProbe.CountFrames(Path.Combine(output.Path, stream.Name + ".mp4")));
        }

        Assert.Equal((16, 16), MediaProbe.Size(Path.Combine(output.Path, "tiny.mp4"))); // 1×1 fitted into the smallest size H.264 takes
        Assert.Equal((7680, 4320), MediaProbe.Size(Path.Combine(output.Path, "huge.mp4")));
        Assert.Equal(8, summary.Streams.Single(s => s.Name == "vfr").Processed);
        Assert.True(summary.Streams.Single(s => s.Name == "resize").Processed >= 6, "the two halves of different sizes are both read (a frame may be lost at the seam)");
    }

    private PipelineOptions Options(string output, string[] sources) =>
        new() { Sources = sources.Select(SourceSpec.Parse).ToList(), OutputDirectory = output, ModelPath = _fixture.ModelPath, IntraOpThreads = 2 };

    /// <summary>The odd media, made once with ffmpeg from vtest.avi and test patterns.</summary>
    public sealed class OddMedia : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();

        public OddMedia()
        {
            string small = Make("small.avi", "-i", TestData.VtestAvi, "-frames:v", "40", "-c:v", "msmpeg4v3", "-q:v", "4");
            byte[] bytes = File.ReadAllBytes(small);
            Truncated = _directory.File("truncated.avi");
            File.WriteAllBytes(Truncated, bytes[..(bytes.Length / 2)]);

            // Garbage over a few spots of the middle third: frame data and some chunk headers.
            var random = new Random(3);
            for (int i = 0; i < 6; i++)
            {
                int at = random.Next(bytes.Length / 3, 2 * bytes.Length / 3);
                random.NextBytes(bytes.AsSpan(at, 1500));
            }

            Corrupt = _directory.File("corrupt.avi");
            File.WriteAllBytes(Corrupt, bytes);
            OnePixel = Make("one-pixel.mkv", "-f", "lavfi", "-i", "testsrc=size=2x2:rate=5", "-frames:v", "3", "-vf", "scale=1:1", "-c:v", "ffv1");
            EightK = Make("eight-k.avi", "-f", "lavfi", "-i", "testsrc=size=7680x4320:rate=5", "-frames:v", "2", "-c:v", "mjpeg", "-q:v", "5");
            Gray = Make("gray.mkv", "-i", TestData.VtestAvi, "-frames:v", "5", "-pix_fmt", "gray", "-c:v", "ffv1");
            VariableRate = Make("vfr.mkv", "-i", TestData.VtestAvi, "-frames:v", "8", "-vf", "setpts='if(lt(N,4),N*0.1,N*0.5)/TB'", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast");
            string a = Make("a.ts", "-i", TestData.VtestAvi, "-frames:v", "4", "-vf", "scale=320:240", "-c:v", "mpeg2video");
            string b = Make("b.ts", "-ss", "1", "-i", TestData.VtestAvi, "-frames:v", "4", "-vf", "scale=640:480", "-c:v", "mpeg2video");
            ResolutionChange = _directory.File("resize.ts");
            File.WriteAllBytes(ResolutionChange, [.. File.ReadAllBytes(a), .. File.ReadAllBytes(b)]); // MPEG-TS may simply be concatenated
            Misnamed = _directory.File("walking.avi");
            File.Copy(TestData.WalkingMp4, Misnamed); // an MP4 behind an .avi name
        }

        public string Corrupt { get; }

        public string Truncated { get; }

        public string OnePixel { get; }

        public string EightK { get; }

        public string Gray { get; }

        public string VariableRate { get; }

        public string ResolutionChange { get; }

        public string Misnamed { get; }

        public void Dispose() => _directory.Dispose();

        private string Make(string name, params string[] args)
        {
            string path = _directory.File(name);
            var (exit, log) = Tool.RunAsync("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", .. args, path], null).GetAwaiter().GetResult();
            Assert.True(exit == 0, $"ffmpeg could not make {name}: {log}");
            return path;
        }
    }
}
