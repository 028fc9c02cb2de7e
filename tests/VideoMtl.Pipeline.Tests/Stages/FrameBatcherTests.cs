using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Tests.Stages;

/// <summary>
/// The batcher against a fake slow model (a fixed inference time) and fake sources at known rates: a live
/// frame is at most about one batch old when published, every stream gets its share, a replaced frame is
/// counted stale, and a file loses nothing, even beside cameras.
/// </summary>
public sealed class FrameBatcherTests : IDisposable
{
    private static readonly TimeSpan InferenceTime = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(20); // 50 frames/s per camera

    /// <summary>Room for scheduling on a loaded machine: far below the batch or more that a queue in front of inference would add.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(150);

    private readonly TensorSlotPool _slots = new(16);
    private readonly FramePacketPool _pool;
    private readonly BatchDoorbell _doorbell = new();
    private readonly List<BatcherInput> _inputs = [];
    private readonly ConcurrentDictionary<string, int> _stale = new();
    private readonly CancellationTokenSource _stop = new();

    public FrameBatcherTests()
    {
        _pool = new FramePacketPool(1, _slots);
    }

    [Fact]
    public async Task Live_frames_are_at_most_one_batch_old_every_camera_gets_its_share_and_replaced_frames_count_as_stale()
    {
        var cameras = Enumerable.Range(0, 6).Select(i => AddCamera($"cam{i}")).ToList();
        using var batcher = Batcher(maxBatch: 3);
        var feeding = cameras.Select(c => FeedLiveAsync(c.Stream, c.Writer)).ToList();

        var published = await RunFakeModelAsync(batcher, TimeSpan.FromSeconds(4));
        await _stop.CancelAsync();
        await Task.WhenAll(feeding);

        var ages = published.Select(p => p.Age).ToList();
        Assert.NotEmpty(ages);
        Assert.All(ages, age => Assert.True(age <= InferenceTime + FrameInterval + Slack, $"a frame was published {age.TotalMilliseconds:0} ms after it arrived (batch {InferenceTime.TotalMilliseconds:0} ms)"));
        var perStream = cameras.Select(c => published.Count(p => p.Stream == c.Stream.Name)).ToList();
        double mean = perStream.Average();
        Assert.All(perStream, n => Assert.InRange(n, mean * 0.75, mean * 1.25));
        foreach (var (stream, _) in cameras)
        {
            // Every frame a camera sent was either published, replaced (stale) or is still in its mailbox.
            long accounted = published.Count(p => p.Stream == stream.Name) + _stale.GetValueOrDefault(stream.Name) + _inputs[stream.Index].Frames.Count;
            Assert.Equal(stream.Captured, accounted);
            Assert.True(_stale.GetValueOrDefault(stream.Name) > 0, "50 frames/s against a batch every 200 ms must replace frames");
        }
    }

    [Fact]
    public async Task A_file_beside_cameras_loses_nothing_and_starves_none_of_them()
    {
        var cameras = Enumerable.Range(0, 3).Select(i => AddCamera($"cam{i}")).ToList();
        var file = AddFile("file", capacity: 2);
        using var batcher = Batcher(maxBatch: 2);
        var feeding = cameras.Select(c => FeedLiveAsync(c.Stream, c.Writer)).ToList();
        const int fileFrames = 8;
        var fileFeeding = FeedFileAsync(file.Stream, file.Writer, fileFrames);

        // 4 streams, 2 frames a batch: the file gets a slot every other batch, so its 8 frames take about 16 batches.
        var published = await RunFakeModelAsync(batcher, TimeSpan.FromSeconds(60), until: p => p.Count(f => f.Stream == "file") == fileFrames);
        await _stop.CancelAsync();
        await Task.WhenAll(feeding);
        await fileFeeding;

        var fromFile = published.Where(p => p.Stream == "file").Select(p => p.Index).ToList();
        Assert.Equal(Enumerable.Range(0, fileFrames).Select(i => (long)i), fromFile); // every frame, in order
        Assert.All(published.Where(p => p.Stream != "file"), p => Assert.True(p.Age <= InferenceTime + FrameInterval + Slack, $"a camera frame waited {p.Age.TotalMilliseconds:0} ms"));
        Assert.All(cameras, c => Assert.Contains(published, p => p.Stream == c.Stream.Name));
    }

    [Fact]
    public async Task Streams_are_served_in_rounds_starting_after_the_one_served_last()
    {
        var streams = Enumerable.Range(0, 5).Select(i => AddFile($"s{i}", capacity: 8)).ToList();
        foreach (var (stream, writer) in streams)
        {
            for (int i = 0; i < 8; i++)
            {
                Assert.True(writer.TryWrite(Frame(stream, i, prepared: true)));
            }
        }

        using var batcher = Batcher(maxBatch: 3);
        var batch = new List<FramePacket>();
        var order = new List<string>();
        for (int b = 0; b < 5; b++)
        {
            Assert.True(await batcher.NextAsync(batch, default));
            order.AddRange(batch.Select(p => p.Stream.Name));
            batch.ForEach(_pool.Return);
        }

        // 15 frames from 5 streams: three full rounds, each stream once per round, never twice before the others.
        Assert.Equal(["s0", "s1", "s2", "s3", "s4", "s0", "s1", "s2", "s3", "s4", "s0", "s1", "s2", "s3", "s4"], order);
    }

    [Fact]
    public async Task A_stream_that_comes_back_takes_its_turn_without_jumping_the_queue_or_starving()
    {
        var streams = Enumerable.Range(0, 3).Select(i => AddFile($"s{i}", capacity: 16)).ToList();
        using var batcher = Batcher(maxBatch: 2);
        var batch = new List<FramePacket>();
        var order = new List<string>();
        async Task TakeBatchesAsync(int count)
        {
            for (int b = 0; b < count; b++)
            {
                Assert.True(await batcher.NextAsync(batch, default));
                order.AddRange(batch.Select(p => p.Stream.Name));
                batch.ForEach(_pool.Return);
            }
        }

        // s1 is down (no frames) while s0 and s2 have plenty.
        foreach (int i in new[] { 0, 2 })
        {
            for (int f = 0; f < 12; f++)
            {
                Assert.True(streams[i].Writer.TryWrite(Frame(streams[i].Stream, f, prepared: true)));
            }
        }

        await TakeBatchesAsync(2);
        Assert.Equal(["s0", "s2", "s0", "s2"], order);

        // s1 comes back with a burst of frames: it gets one slot per round like the others, never two in a row.
        for (int f = 0; f < 12; f++)
        {
            Assert.True(streams[1].Writer.TryWrite(Frame(streams[1].Stream, f, prepared: true)));
        }

        order.Clear();
        await TakeBatchesAsync(6);
        Assert.Equal(["s0", "s1", "s2", "s0", "s1", "s2", "s0", "s1", "s2", "s0", "s1", "s2"], order);
    }

    [Fact]
    public async Task A_camera_gives_a_batch_one_frame_and_a_batch_of_every_camera_does_not_wait_to_fill()
    {
        var a = AddCamera("a");
        var b = AddCamera("b");
        // A batch wait far longer than the test's bound: the batch must go as soon as each camera is in it.
        using var batcher = new FrameBatcher(_inputs, _doorbell, 4, TimeSpan.FromSeconds(30), packet => packet.Tensor = _slots.Rent(), (_, e) => throw e, _pool.Return);
        a.Writer.TryWrite(Frame(a.Stream, 0, prepared: false));
        b.Writer.TryWrite(Frame(b.Stream, 0, prepared: false));

        var batch = new List<FramePacket>();
        Assert.True(await batcher.NextAsync(batch, default).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["a", "b"], batch.Select(p => p.Stream.Name));
        batch.ForEach(_pool.Return);

        // A newer frame of a camera already in the batch waits for the next batch.
        a.Writer.TryWrite(Frame(a.Stream, 1, prepared: false));
        b.Writer.TryWrite(Frame(b.Stream, 1, prepared: false));
        var next = batcher.NextAsync(batch, default).AsTask();
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([1L, 1L], batch.Select(p => p.FrameIndex));
        batch.ForEach(_pool.Return);
    }

    [Fact]
    public async Task A_frame_that_cannot_be_prepared_takes_only_its_stream_out()
    {
        var good = AddCamera("good");
        var bad = AddCamera("bad");
        var failed = new List<(string Stream, string Message)>();
        using var batcher = new FrameBatcher(
            _inputs, _doorbell, 4, TimeSpan.Zero,
            packet =>
            {
                if (packet.Stream.Name == "bad")
                {
                    throw new InvalidOperationException("cannot letterbox");
                }

                packet.Tensor = _slots.Rent();
            },
            (packet, error) =>
            {
                failed.Add((packet.Stream.Name, error.Message));
                _pool.Return(packet);
            },
            _pool.Return);
        good.Writer.TryWrite(Frame(good.Stream, 0, prepared: false));
        bad.Writer.TryWrite(Frame(bad.Stream, 0, prepared: false));

        var batch = new List<FramePacket>();
        Assert.True(await batcher.NextAsync(batch, default));
        Assert.Equal(["good"], batch.Select(p => p.Stream.Name));
        Assert.Equal([("bad", "cannot letterbox")], failed);
        batch.ForEach(_pool.Return);

        // The failed stream's late frames go straight back; the run ends when the good stream does.
        bad.Writer.TryWrite(Frame(bad.Stream, 1, prepared: false));
        good.Writer.TryComplete();
        Assert.False(await batcher.NextAsync(batch, default));
        Assert.Equal(0, _pool.Outstanding);
        Assert.Equal(0, _slots.Outstanding);
    }

    [Fact]
    public async Task It_waits_for_the_first_frame_and_ends_when_every_stream_has_ended()
    {
        var a = AddFile("a", capacity: 2);
        var b = AddCamera("b");
        using var batcher = Batcher(maxBatch: 4);
        var batch = new List<FramePacket>();

        var next = batcher.NextAsync(batch, default).AsTask();
        await Task.Delay(100);
        Assert.False(next.IsCompleted);
        b.Writer.TryWrite(Frame(b.Stream, 0, prepared: false));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(batch);
        batch.ForEach(_pool.Return);

        a.Writer.TryComplete();
        var last = batcher.NextAsync(batch, default).AsTask();
        b.Writer.TryComplete();
        Assert.False(await last.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    public void Dispose()
    {
        _stop.Dispose();
        _pool.Dispose();
    }

    private (StreamState Stream, ChannelWriter<FramePacket> Writer) AddCamera(string name)
    {
        var stream = new StreamState(_inputs.Count, name, name, isLive: true);
        var mailbox = LiveMailbox.Create(dropped =>
        {
            _stale.AddOrUpdate(dropped.Stream.Name, 1, (_, n) => n + 1);
            _pool.Return(dropped);
        });
        _inputs.Add(new BatcherInput(stream, mailbox.Reader));
        return (stream, new DoorbellWriter<FramePacket>(mailbox.Writer, _doorbell));
    }

    private (StreamState Stream, ChannelWriter<FramePacket> Writer) AddFile(string name, int capacity)
    {
        var stream = new StreamState(_inputs.Count, name, name, isLive: false);
        var queue = Channel.CreateBounded<FramePacket>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        _inputs.Add(new BatcherInput(stream, queue.Reader));
        return (stream, new DoorbellWriter<FramePacket>(queue.Writer, _doorbell));
    }

    private FrameBatcher Batcher(int maxBatch) => new(
        _inputs, _doorbell, maxBatch, TimeSpan.FromMilliseconds(10),
        packet => packet.Tensor = _slots.Rent(),
        (packet, error) => throw new InvalidOperationException("unexpected prepare failure", error),
        _pool.Return);

    private FramePacket Frame(StreamState stream, long index, bool prepared)
    {
        var packet = _pool.Rent();
        packet.Stream = stream;
        packet.FrameIndex = index;
        packet.CapturedAt = Stopwatch.GetTimestamp();
        packet.Tensor = prepared ? _slots.Rent() : null;
        stream.CountCaptured();
        return packet;
    }

    /// <summary>
    /// A camera: a frame every <see cref="FrameInterval"/>, never waiting for the pipeline. On its own thread,
    /// as capture is: a camera on the shared pool would deliver late whenever the pool is short of threads.
    /// </summary>
    private Task FeedLiveAsync(StreamState stream, ChannelWriter<FramePacket> writer)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            for (long i = 0; !_stop.IsCancellationRequested; i++)
            {
                writer.TryWrite(Frame(stream, i, prepared: false));
                Thread.Sleep(FrameInterval);
            }

            writer.TryComplete();
            done.SetResult();
        })
        { IsBackground = true, Name = "camera " + stream.Name };
        thread.Start();
        return done.Task;
    }

    /// <summary>A file: its frames in order, waiting for room (already prepared, as its preprocess worker would).</summary>
    private Task FeedFileAsync(StreamState stream, ChannelWriter<FramePacket> writer, int frames) => Task.Run(async () =>
    {
        for (int i = 0; i < frames; i++)
        {
            await writer.WriteAsync(Frame(stream, i, prepared: true));
        }

        writer.TryComplete();
    });

    /// <summary>The fake model: each batch takes <see cref="InferenceTime"/>; a frame is published when its batch ends.</summary>
    private async Task<List<(string Stream, long Index, TimeSpan Age)>> RunFakeModelAsync(
        FrameBatcher batcher, TimeSpan duration, Func<List<(string Stream, long Index, TimeSpan Age)>, bool>? until = null)
    {
        var published = new List<(string Stream, long Index, TimeSpan Age)>();
        var batch = new List<FramePacket>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && until?.Invoke(published) != true && await batcher.NextAsync(batch, default))
        {
            Thread.Sleep(InferenceTime);
            foreach (var packet in batch)
            {
                published.Add((packet.Stream.Name, packet.FrameIndex, Stopwatch.GetElapsedTime(packet.CapturedAt)));
                _pool.Return(packet);
            }
        }

        return published;
    }
}
