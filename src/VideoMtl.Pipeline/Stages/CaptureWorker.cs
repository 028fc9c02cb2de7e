using OpenCvSharp;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VideoMtl.Media;
using VideoMtl.Pipeline.Ownership;
using VideoMtl.Pipeline.Metrics;
using VideoMtl.Pipeline.Sources;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Reads one source on its own thread (OpenCV reads block) and hands frames to the stream's channel:
/// a file waits for room (no frame is ever lost); a live source writes into a drop-oldest channel, so
/// the newest frame always wins and capture never falls behind the camera.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "see _roomSignal")]
internal sealed class CaptureWorker(
    SourceSpec spec, StreamState state, PipelineOptions options, FramePacketPool pool, ChannelWriter<FramePacket> output, PipelineMetrics metrics, FaultLog faults, ILogger logger)
{
    // Never disposed on purpose: a channel continuation may still Set it after capture has stopped, and a
    // ManualResetEventSlim whose WaitHandle is never touched holds no kernel object.
    private readonly ManualResetEventSlim _roomSignal = new();
    private Action? _setRoomSignalCache;
    private readonly Lock _statusGate = new();
    private long _lastFrameAt;
    private long _downSince;

    private Action SetRoomSignal => _setRoomSignalCache ??= _roomSignal.Set;

    // The token goes to Run only, never to StartNew: a task cancelled before it starts would never run Run's
    // finally, so its channel would never complete and every stage behind it would wait for good (a stop
    // during the model load did exactly that).
    public Task Start(CancellationToken cancellation) =>
        Task.Factory.StartNew(() => Run(cancellation), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellation)
    {
        try
        {
            if (options.Ownership is { } ownership)
            {
                RunOwned(ownership, cancellation);
            }
            else
            {
                Capture(0, cancellation);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (VisionException e)
        {
            state.Error = e.Message;
            state.Status = StreamStatus.Failed;
            logger.LogError("{Stream}: {Message}", state.Name, e.Message);
        }
        catch (Exception e)
        {
            // Anything else is a fault of this stage: isolated to this stream (the others go on).
            faults.Isolated("capture", state, e);
        }
        finally
        {
            // Ended, stopped by the run, or gave up: not up any more.
            if (state.Status != StreamStatus.Failed)
            {
                state.Status = StreamStatus.Completed;
            }

            output.TryComplete();
        }
    }

    /// <summary>Reads the source from frame <paramref name="firstFrame"/> until it ends, fails or <paramref name="cancellation"/> stops it.</summary>
    private void Capture(long firstFrame, CancellationToken cancellation)
    {
        if (spec.ImageFiles is { } images)
        {
            state.FrameCount = images.Count;
            state.Status = StreamStatus.Up;
            long next = firstFrame;
            long skip = options.Loop && images.Count > 0 ? firstFrame % images.Count : Math.Min(firstFrame, images.Count);
            var files = images.Skip((int)skip).ToList();
            do
            {
                next = ReadImages(files, next, cancellation);
                files = [.. images];
            }
            while (options.Loop && !cancellation.IsCancellationRequested && !ReachedLimit(next));
        }
        else if (spec.Source.IsLive)
        {
            RunLive(firstFrame, cancellation);
        }
        else
        {
            RunFile(firstFrame, cancellation);
        }
    }

    /// <summary>
    /// A stream shared by a cluster: captured only while this instance holds its lease, and given up as soon as
    /// the lease is revoked; then it waits for the lease again (the stream may come back here). A source that
    /// ends or fails for good completes the lease, so that no instance starts it again. Either way it returns
    /// only when the run stops: a cluster member serves until it is stopped, whatever its streams do.
    /// </summary>
    private void RunOwned(IStreamOwnership ownership, CancellationToken cancellation)
    {
        while (true)
        {
            state.Status = StreamStatus.Elsewhere;
            IStreamLease lease;
            try
            {
                // Capture has a thread of its own (LongRunning): blocking it while another instance owns the stream is fine.
                lease = ownership.AcquireAsync(state.Name, cancellation).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }

            using (lease)
            {
                using var owned = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lease.Revoked);
                logger.LogInformation("{Stream}: this instance captures it now, from frame {Frame}", state.Name, lease.FirstFrame);
                state.DownReason = null;
                state.Status = StreamStatus.Starting;
                bool ended;
                try
                {
                    Capture(lease.FirstFrame, owned.Token);
                    ended = !owned.IsCancellationRequested;
                }
                catch (OperationCanceledException) when (owned.IsCancellationRequested)
                {
                    ended = false;
                }
                catch
                {
                    lease.Complete(); // failed for good: another instance would fail the same way
                    throw;
                }

                // The lease goes back only once this stream's frames are out of the pipeline: the next owner's
                // results must not interleave with this one's last.
                state.WaitUntilDrained(options.DrainTimeout);
                if (ended)
                {
                    lease.Complete();
                }
                else if (!cancellation.IsCancellationRequested)
                {
                    logger.LogInformation("{Stream}: handed over to another instance ({Frames} frames captured here so far)", state.Name, state.Captured);
                    continue;
                }
            }

            if (!cancellation.IsCancellationRequested)
            {
                // Done for good; the instance itself goes on (it may be given other streams) until the run stops.
                state.Status = StreamStatus.Completed;
                cancellation.WaitHandle.WaitOne();
            }

            return;
        }
    }

    /// <summary>A file: opened once (again for each loop); a failure to open is final.</summary>
    /// <param name="firstFrame">Frames to skip at the start (a file taken over from another instance resumes there).</param>
    private void RunFile(long firstFrame, CancellationToken cancellation)
    {
        long nextIndex = firstFrame;
        bool first = true;
        do
        {
            using var capture = VideoFileReader.Open(spec.Source.Location);
            long skipped = 0;
            if (first)
            {
                Opened(capture);
                first = false;
                if (firstFrame > 0)
                {
                    // Decoded and thrown away rather than seeked: a seek lands on a key frame, not on the frame asked for.
                    long skip = capture.Info.FrameCount is > 0 and { } count && options.Loop ? firstFrame % count : firstFrame;
                    skipped = capture.Skip(skip, cancellation);
                }
            }

            nextIndex = ReadAll(capture, nextIndex, cancellation, alreadyRead: skipped);
        }
        while (options.Loop && !cancellation.IsCancellationRequested && !ReachedLimit(nextIndex));
    }

    /// <summary>
    /// A camera or stream: opened, read until it stops delivering (the backend's read timeout is the
    /// policy's stall timeout), then opened again with exponential backoff and jitter; a source that cannot
    /// be opened at start is retried the same way. Frames keep their numbering across reconnects.
    /// </summary>
    private void RunLive(long firstFrame, CancellationToken cancellation)
    {
        var policy = options.Reconnect;
        var capture = options.Capture with { ReadTimeout = policy.StallTimeout };
        var random = new Random();
        using var watchdog = new Timer(static s => ((CaptureWorker)s!).CheckStalled(), this, policy.StallTimeout / 4, policy.StallTimeout / 4);
        long nextIndex = firstFrame;
        int attempt = 0;
        while (!cancellation.IsCancellationRequested && !ReachedLimit(nextIndex))
        {
            if (attempt > 0)
            {
                if (policy.MaxAttempts is { } max && attempt > max)
                {
                    throw new VisionException(VisionErrorKind.OpenFailed,
                        $"gave up on {state.DisplaySource} after {max} reconnect attempts (Reconnect:MaxAttempts): {state.DownReason}");
                }

                var delay = policy.DelayBefore(attempt, random.NextDouble());
                logger.LogDebug("{Stream}: reconnect attempt {Attempt} in {Delay:0.0} s", state.Name, attempt, delay.TotalSeconds);
                if (cancellation.WaitHandle.WaitOne(delay))
                {
                    break;
                }
            }

            FfmpegLiveSource source;
            var first = pool.Rent();
            try
            {
                source = OpenLive(capture, first, cancellation);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                pool.Return(first); // stopped while connecting
                break;
            }
            catch (VisionException e) when (e.Kind != VisionErrorKind.InvalidArgument)
            {
                pool.Return(first);
                GoDown(e.Message);
                attempt++;
                continue;
            }
            catch
            {
                pool.Return(first);
                throw;
            }

            using (source)
            {
                Opened(source);
                attempt = 0;
                // A stop must not wait for the next frame of a stalled stream (up to the read timeout): it ends
                // ffmpeg, whose pipe then closes and the read returns at once.
                using var abort = cancellation.Register(static s => ((FfmpegLiveSource)s!).Abort(), source);
                nextIndex = ReadAll(source, nextIndex, cancellation, first);
            }

            if (!cancellation.IsCancellationRequested && !ReachedLimit(nextIndex))
            {
                GoDown(string.Create(CultureInfo.InvariantCulture, $"stopped delivering frames (connection closed, stream ended, or nothing for {policy.StallTimeout.TotalSeconds:0.#} s)"));
                attempt = 1;
            }
        }
    }

    /// <summary>
    /// A network URL or a V4L2 camera is read by one ffmpeg child process (<see cref="FfmpegLiveSource"/>: RTSP
    /// over TCP, its own I/O timeout, a watchdog, a fresh process per reconnect). It returns once its first
    /// frame is in <paramref name="first"/>, which the caller passes on as the first frame read.
    /// </summary>
    private FfmpegLiveSource OpenLive(CaptureOptions capture, FramePacket first, CancellationToken cancellation) =>
        FfmpegLiveSource.Open(spec.Source, capture, first.Image, cancellation);

    /// <summary>The source opened: record its facts, log, and count a reconnect if it had been down.</summary>
    private void Opened(IFrameReader capture)
    {
        lock (_statusGate)
        {
            state.Width = capture.Info.Width;
            state.Height = capture.Info.Height;
            state.Fps = capture.Info.Fps;
            state.FrameCount = capture.Info.FrameCount;
            Volatile.Write(ref _lastFrameAt, Stopwatch.GetTimestamp());
            if (state.Status == StreamStatus.Down)
            {
                state.CountReconnect();
                metrics.Reconnected(state);
                logger.LogWarning("{Stream}: up again after {Seconds:0.0} s: reopened {Source} ({Width}x{Height}, {Fps:0.##} fps)",
                    state.Name, Stopwatch.GetElapsedTime(_downSince).TotalSeconds, state.DisplaySource, state.Width, state.Height, state.Fps);
            }
            else
            {
                logger.LogInformation("{Stream}: opened {Source} ({Width}x{Height}, {Fps:0.##} fps, {Backend})",
                    state.Name, state.DisplaySource, state.Width, state.Height, state.Fps, capture.Info.Backend);
            }

            state.DownReason = null;
            state.Status = StreamStatus.Up;
        }
    }

    /// <summary>Frames arrive again on the same connection after the watchdog reported the stream down.</summary>
    private void Resumed()
    {
        lock (_statusGate)
        {
            if (state.Status == StreamStatus.Down)
            {
                logger.LogWarning("{Stream}: frames flowing again after {Seconds:0.0} s", state.Name, Stopwatch.GetElapsedTime(_downSince).TotalSeconds);
                state.DownReason = null;
                state.Status = StreamStatus.Up;
            }
        }
    }

    /// <summary>Marks the stream down; logged once per change of state, not once per retry.</summary>
    private void GoDown(string reason)
    {
        lock (_statusGate)
        {
            state.DownReason = reason;
            if (state.Status == StreamStatus.Down)
            {
                logger.LogDebug("{Stream}: still down: {Reason}", state.Name, reason);
                return;
            }

            _downSince = Stopwatch.GetTimestamp();
            var policy = options.Reconnect;
            logger.LogWarning("{Stream}: down: {Reason}; retrying every {Initial:0.#} s doubling up to {Max:0.#} s{Limit}",
                state.Name, reason, policy.InitialDelay.TotalSeconds, policy.MaxDelay.TotalSeconds,
                policy.MaxAttempts is { } max ? $", at most {max} times" : ", until it is back");
            state.Status = StreamStatus.Down;
        }
    }

    /// <summary>The watchdog's tick: a stream silent for the stall timeout is reported down at once, even
    /// while its read is still waiting for the backend to give up.</summary>
    private void CheckStalled()
    {
        // Checked and changed under the status lock: read outside it, a stream reopened just then (status up,
        // last frame time fresh) could be marked down by a decision taken on the state before the reopen.
        lock (_statusGate)
        {
            if (state.Status == StreamStatus.Up
                && Stopwatch.GetElapsedTime(Volatile.Read(ref _lastFrameAt)) > options.Reconnect.StallTimeout)
            {
                GoDown(string.Create(CultureInfo.InvariantCulture, $"no frame for {options.Reconnect.StallTimeout.TotalSeconds:0.#} s"));
            }
        }
    }

    /// <param name="first">A packet already rented for the first read (a live open may have filled it); returned here when unused.</param>
    /// <param name="alreadyRead">Frames of this file read (skipped) before this call: counted when checking the file's length.</param>
    private long ReadAll(IFrameReader capture, long nextIndex, CancellationToken cancellation, FramePacket? first = null, long alreadyRead = 0)
    {
        var pacing = Stopwatch.StartNew();
        double fps = state.Fps > 0 ? state.Fps : 25;
        long firstIndex = nextIndex;
        while (!cancellation.IsCancellationRequested && !ReachedLimit(nextIndex))
        {
            var packet = first ?? pool.Rent();
            first = null;
            long started = Stopwatch.GetTimestamp();
            bool got;
            FrameInfo info;
            try
            {
                got = capture.Read(packet.Image, out info);
            }
            catch
            {
                pool.Return(packet);
                throw;
            }

            if (!got)
            {
                pool.Return(packet);
                if (!spec.Source.IsLive)
                {
                    AccountForMissingFrames(capture, alreadyRead + nextIndex - firstIndex);
                }

                return nextIndex;
            }

            long index = nextIndex++;
            Stamp(packet, index, info.TimestampMs >= 0 ? info.TimestampMs : index * 1000.0 / fps, null, started, info.ArrivedAt);

            if (options.Realtime && !spec.Source.IsLive)
            {
                // A file played as if live: frame i is due at i / fps after the start.
                var due = TimeSpan.FromSeconds((packet.FrameIndex - firstIndex) / fps);
                var wait = due - pacing.Elapsed;
                if (wait > TimeSpan.Zero && cancellation.WaitHandle.WaitOne(wait))
                {
                    pool.Return(packet);
                    return nextIndex;
                }
            }

            if (!Emit(packet, cancellation))
            {
                return nextIndex;
            }
        }

        if (first is not null)
        {
            pool.Return(first); // stopped before the first read
        }

        return nextIndex;
    }

    /// <summary>
    /// A file that ends before the frame count its header announces has damaged or missing data: FFmpeg
    /// skips packets it cannot demux or decode without telling which, so the shortfall is counted as
    /// decode_error drops and reported once, and the run goes on with what could be read. Only containers
    /// whose header states the count (AVI, MP4/MOV) are trusted; for others (MKV, TS, ...) OpenCV estimates it
    /// from duration × rate, which is no evidence of damage.
    /// </summary>
    private void AccountForMissingFrames(IFrameReader capture, long read)
    {
        string extension = Path.GetExtension(spec.Source.Location).ToLowerInvariant();
        if (capture.Info.FrameCount is not { } announced || read >= announced || extension is not (".avi" or ".mp4" or ".mov" or ".m4v"))
        {
            return;
        }

        long missing = announced - read;
        state.CountDropped(missing);
        metrics.Dropped(state, "capture", "decode_error", missing);
        logger.LogWarning("{Stream}: {Source} ended after {Read} of the {Announced} frames it announces: {Missing} could not be read (damaged or truncated data) and are counted as decode_error",
            state.Name, state.DisplaySource, read, announced, missing);
    }

    /// <summary>An image set: one frame per file. An unreadable image is skipped and counted, like a corrupt frame.</summary>
    private long ReadImages(List<string> files, long nextIndex, CancellationToken cancellation)
    {
        foreach (string file in files)
        {
            if (cancellation.IsCancellationRequested || ReachedLimit(nextIndex))
            {
                break;
            }

            var packet = pool.Rent();
            long started = Stopwatch.GetTimestamp();
            try
            {
                using var image = ImageFile.Read(file);
                image.CopyTo(packet.Image);
            }
            catch (VisionException e)
            {
                pool.Return(packet);
                state.CountDropped();
                metrics.Dropped(state, "capture", "decode_error");
                logger.LogWarning("{Stream}: skipped {File}: {Message}", state.Name, Path.GetFileName(file), e.Message);
                continue;
            }

            if (state.Width == 0)
            {
                state.Width = packet.Image.Width;
                state.Height = packet.Image.Height;
                logger.LogInformation("{Stream}: reading {Count} images from {Source}", state.Name, files.Count, state.DisplaySource);
            }

            Stamp(packet, nextIndex++, 0, file, started);
            if (!Emit(packet, cancellation))
            {
                break;
            }
        }

        return nextIndex;
    }

    /// <summary>Marks a freshly read frame as this stream's frame <paramref name="index"/> and counts it.</summary>
    /// <param name="arrivedAt">When a live source received the frame's bytes (0: now, for files): latency counts from there.</param>
    private void Stamp(FramePacket packet, long index, double ptsMs, string? sourceFile, long readStarted, long arrivedAt = 0)
    {
        long now = Stopwatch.GetTimestamp();
        packet.Stream = state;
        packet.CountedInFlight = true;
        state.EnteredPipeline();
        packet.FrameIndex = index;
        packet.PtsMs = ptsMs;
        packet.SourceFile = sourceFile;
        packet.CapturedAt = arrivedAt != 0 ? arrivedAt : now;
        Volatile.Write(ref _lastFrameAt, now);
        if (state.Status == StreamStatus.Down)
        {
            Resumed();
        }

        packet.DecodeMs = Stopwatch.GetElapsedTime(readStarted, now).TotalMilliseconds;
        state.CountCaptured();
        metrics.Captured(state);
    }

    private bool ReachedLimit(long nextIndex) => nextIndex >= (options.MaxFramesPerSource ?? long.MaxValue);

    /// <summary>Hands a frame on: a live stream never waits (drop-oldest), a file waits for room.
    /// False when cancelled while waiting (the frame has gone back to the pool).</summary>
    private bool Emit(FramePacket packet, CancellationToken cancellation)
    {
        if (options.FaultInjection is { } inject)
        {
            try
            {
                inject("capture", packet);
            }
            catch
            {
                pool.Return(packet);
                throw;
            }
        }

        if (state.IsLive)
        {
            // Drop-oldest channel: always accepts; the callback returns the dropped frame to the pool.
            output.TryWrite(packet);
            return true;
        }

        while (!output.TryWrite(packet))
        {
            // Capture runs on its own thread, so it may block; waiting through a cached callback and a
            // reusable event (not .AsTask()) keeps the per-frame wait free of allocations. No token: a stop
            // is noticed here once room appears, since downstream keeps draining until the end.
#pragma warning disable CA2012 // consumed exactly once: GetResult below, after completion
            var waiter = output.WaitToWriteAsync(CancellationToken.None).ConfigureAwait(false).GetAwaiter();
#pragma warning restore CA2012
            if (!waiter.IsCompleted)
            {
                _roomSignal.Reset();
                waiter.UnsafeOnCompleted(SetRoomSignal);
                try
                {
                    _roomSignal.Wait(cancellation);
                }
                catch (OperationCanceledException)
                {
                    pool.Return(packet);
                    return false;
                }
            }

            if (!waiter.GetResult())
            {
                pool.Return(packet);
                return false;
            }
        }

        return true;
    }
}
