using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using VideoMtl.Pipeline.Ownership;
using VideoMtl.Pipeline.Sources;
using VideoMtl.Pipeline.Stages;
using VideoMtl.TestSupport;

namespace VideoMtl.Pipeline.Tests;

/// <summary>
/// Streams shared by instances (the cluster's leases, scripted here): a stream is captured only while its lease
/// is held, stops when it is revoked and gives the lease back only once its frames are out of the pipeline, and a
/// file taken over continues at the frame it is given, with its numbering.
/// </summary>
public sealed class StreamOwnershipTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Only_streams_with_a_lease_are_captured_and_a_revoked_file_resumes_where_it_was_given_back()
    {
        using var output = new TemporaryDirectory();
        var ownership = new ScriptedOwnership();
        var options = new PipelineOptions
        {
            Sources = [SourceSpec.Parse("a=" + fixture.ClipA), SourceSpec.Parse("b=" + fixture.ClipB), SourceSpec.Parse("c=" + fixture.ClipB)],
            OutputDirectory = output.Path,
            ModelPath = fixture.ModelPath,
            IntraOpThreads = 2,
            WriteVideo = false,
            Ownership = ownership,
            // The hand-over waits for the frames in flight at most this long: on a loaded machine a batch takes seconds.
            DrainTimeout = TimeSpan.FromSeconds(60),
        };
        var runner = new PipelineRunner(options, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var running = runner.RunAsync(stop.Token);

        var firstA = ownership.Grant("a", 0);
        var b = ownership.Grant("b", 10); // as if another instance had published frames 0-9
        await WaitUntil(() => runner.Streams.Count == 3 && runner.Streams[0].Processed >= 6);
        Assert.Equal(StreamStatus.Elsewhere, runner.Streams[2].Status);
        Assert.Equal(0, runner.Streams[2].Captured);

        firstA.Revoke();
        await firstA.Released.Task.WaitAsync(Bound);
        // Given back only with nothing of the stream left in flight: what it wrote is whole and in order (a frame read
        // as the lease went may not have been handed on: the next owner reads it again).
        Assert.Equal(0, runner.Streams[0].InFlight);
        var firstFrames = ReadFrames(Path.Combine(output.Path, "a.ndjson"));
        int written = firstFrames.Count;
        Assert.Equal(Enumerable.Range(0, written).Select(i => (long)i), firstFrames);
        Assert.InRange(written, 6, runner.Streams[0].Captured);
        Assert.False(firstA.Completed);
        await WaitUntil(() => runner.Streams[0].Status == StreamStatus.Elsewhere);

        var secondA = ownership.Grant("a", written);
        await secondA.Released.Task.WaitAsync(Bound);
        await b.Released.Task.WaitAsync(Bound);
        Assert.True(secondA.Completed, "a file read to its end completes its lease: no instance starts it again");
        Assert.True(b.Completed);

        await stop.CancelAsync();
        var summary = await running.WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (long)i), ReadFrames(Path.Combine(output.Path, "a.ndjson")));
        Assert.Equal(Enumerable.Range(10, 6).Select(i => (long)i), ReadFrames(Path.Combine(output.Path, "b.ndjson")));
        Assert.Equal(0, summary.Streams[2].Processed);
        Assert.Equal(0, runner.FramePacketsOutstanding);
    }

    private static List<long> ReadFrames(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("frame").GetInt64()).ToList()
            : [];

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(Bound);
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }

    /// <summary>Leases handed out by the test, in the order it grants them.</summary>
    private sealed class ScriptedOwnership : IStreamOwnership
    {
        private readonly ConcurrentDictionary<string, Channel<ScriptedLease>> _grants = new();

        public ScriptedLease Grant(string stream, long firstFrame)
        {
            var lease = new ScriptedLease(firstFrame);
            Queue(stream).Writer.TryWrite(lease);
            return lease;
        }

        public async Task<IStreamLease> AcquireAsync(string stream, CancellationToken cancellation) =>
            await Queue(stream).Reader.ReadAsync(cancellation);

        private Channel<ScriptedLease> Queue(string stream) => _grants.GetOrAdd(stream, _ => Channel.CreateUnbounded<ScriptedLease>());
    }

    private sealed class ScriptedLease(long firstFrame) : IStreamLease
    {
        private readonly CancellationTokenSource _revoke = new();

        public CancellationToken Revoked => _revoke.Token;

        public long FirstFrame => firstFrame;

        public bool Completed { get; private set; }

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Revoke() => _revoke.Cancel();

        public void Complete() => Completed = true;

        public void Dispose()
        {
            Released.TrySetResult();
            _revoke.Dispose();
        }
    }
}
