using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
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
    SourceSpec spec, StreamState state, PipelineOptions options, FramePacketPool pool, ChannelWriter<FramePacket> output, PipelineMetrics metrics, ILogger logger)
{
    // Never disposed on purpose: a channel continuation may still Set it after capture has stopped, and a
    // ManualResetEventSlim whose WaitHandle is never touched holds no kernel object.
    private readonly ManualResetEventSlim _roomSignal = new();
    private Action? _setRoomSignalCache;

    private Action SetRoomSignal => _setRoomSignalCache ??= _roomSignal.Set;

    public Task Start(CancellationToken cancellation) =>
        Task.Factory.StartNew(() => Run(cancellation), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellation)
    {
        try
        {
            long nextIndex = 0;
            bool first = true;
            do
            {
                if (spec.ImageFiles is { } images)
                {
                    state.FrameCount = images.Count;
                    nextIndex = ReadImages(images, nextIndex, cancellation);
                    continue;
                }

                using var capture = VideoCapture.Open(spec.Source, options.Capture);
                if (first)
                {
                    state.Width = capture.Info.Width;
                    state.Height = capture.Info.Height;
                    state.Fps = capture.Info.Fps;
                    state.FrameCount = capture.Info.FrameCount;
                    logger.LogInformation("{Stream}: opened {Source} ({Width}x{Height}, {Fps:0.##} fps, {Backend})",
                        state.Name, state.DisplaySource, state.Width, state.Height, state.Fps, capture.Info.Backend);
                    first = false;
                }

                nextIndex = ReadAll(capture, nextIndex, cancellation);
            }
            while (options.Loop && !spec.Source.IsLive && !cancellation.IsCancellationRequested && !ReachedLimit(nextIndex));
        }
        catch (OperationCanceledException)
        {
        }
        catch (VisionException e)
        {
            state.Error = e.Message;
            logger.LogError("{Stream}: {Message}", state.Name, e.Message);
        }
        finally
        {
            state.Completed = true;
            output.TryComplete();
        }
    }

    private long ReadAll(VideoCapture capture, long nextIndex, CancellationToken cancellation)
    {
        var pacing = Stopwatch.StartNew();
        double fps = state.Fps > 0 ? state.Fps : 25;
        while (!cancellation.IsCancellationRequested && !ReachedLimit(nextIndex))
        {
            var packet = pool.Rent();
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
                return nextIndex;
            }

            long index = nextIndex++;
            Stamp(packet, index, info.TimestampMs >= 0 ? info.TimestampMs : index * 1000.0 / fps, null, started);

            if (options.Realtime && !spec.Source.IsLive)
            {
                // A file played as if live: frame i is due at i / fps after the start.
                var due = TimeSpan.FromSeconds(packet.FrameIndex / fps);
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

        return nextIndex;
    }

    /// <summary>An image set: one frame per file. An unreadable image is skipped and counted, like a corrupt frame.</summary>
    private long ReadImages(IReadOnlyList<string> files, long nextIndex, CancellationToken cancellation)
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
                using var image = ImageBuffer.Load(file);
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
    private void Stamp(FramePacket packet, long index, double ptsMs, string? sourceFile, long readStarted)
    {
        packet.Stream = state;
        packet.FrameIndex = index;
        packet.PtsMs = ptsMs;
        packet.SourceFile = sourceFile;
        packet.CapturedAt = Stopwatch.GetTimestamp();
        packet.DecodeMs = Stopwatch.GetElapsedTime(readStarted, packet.CapturedAt).TotalMilliseconds;
        state.CountCaptured();
        metrics.Captured(state);
    }

    private bool ReachedLimit(long nextIndex) => nextIndex >= (options.MaxFramesPerSource ?? long.MaxValue);

    /// <summary>Hands a frame on: a live stream never waits (drop-oldest), a file waits for room.
    /// False when cancelled while waiting (the frame has gone back to the pool).</summary>
    private bool Emit(FramePacket packet, CancellationToken cancellation)
    {
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
