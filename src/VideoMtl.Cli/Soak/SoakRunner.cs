using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoMtl.Cli.Bench;
using VideoMtl.Cli.Live;
using VideoMtl.Pipeline;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Sources;

namespace VideoMtl.Cli.Soak;

/// <summary>
/// Runs the pipeline against live feeds for a fixed time and samples it at a fixed interval: frames in,
/// out and dropped per stream, capture-to-result latency percentiles, resident and managed memory. Without
/// URLs it serves its own feeds (<see cref="LoopbackMjpegFeed"/>): one ffmpeg per stream looping a video at its
/// own rate as HTTP MJPEG on 127.0.0.1 (a real network source: the pipeline connects, decodes and may drop
/// exactly as with a camera).
/// </summary>
internal sealed class SoakRunner(SoakOptions options, ILoggerFactory loggerFactory, TextWriter progress)
{
    public async Task<SoakReport> RunAsync(CancellationToken cancellation)
    {
        var feeds = new List<LoopbackMjpegFeed>();
        var output = Path.Combine(Path.GetTempPath(), "videomtl-soak-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            var pipeline = new PipelineOptions
            {
                Sources = [],
                OutputDirectory = output,
                ModelPath = options.ModelPath,
                IntraOpThreads = options.Threads,
                MaxBatch = options.MaxBatch,
                WriteVideo = options.WriteVideo,
                WriteNdjson = true,
            };

            // Before the feeds start, so the bare loops have the machine to themselves: a soak whose thread
            // settings leave speed unused would otherwise report latencies that look like the machine's.
            var threads = pipeline.ResolveThreads();
            var sweep = ThreadSweep.Run(options.ModelPath, pipeline.Provider, options.Video, 12, threads.Threads, pipeline.OrtSpinning, step => progress.WriteLine($"soak: {step} ..."));
            var urls = options.Urls.Count > 0 ? options.Urls : await ServeFeedsAsync(feeds, cancellation).ConfigureAwait(false);
            pipeline = pipeline with { Sources = urls.Select((u, i) => SourceSpec.Parse($"s{i + 1}={u}")).ToList() };
            var published = new PublishedFrameLog();
            var runner = new PipelineRunner(pipeline, loggerFactory) { FramePublished = published.Record };
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var run = runner.RunAsync(stop.Token);
            var samples = new List<SoakSample>();
            try
            {
                await SampleAsync(runner, run, published, urls.Count, samples, cancellation).ConfigureAwait(false);
            }
            finally
            {
                // Whatever ended the sampling, the pipeline drains and stops before its outputs are deleted
                // and the feeds killed below: a process that exits while inference is still running inside
                // ONNX Runtime would tear the native library down under it.
                await stop.CancelAsync().ConfigureAwait(false);
                await ((Task)run).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // its own failure surfaces below
            }

            var summary = await run.ConfigureAwait(false);
            var totals = summary.Streams.Select(s => new SoakStreamCounts(s.Name, s.Captured, s.Processed, s.Dropped, s.Reconnects)).ToList();
            // The steady part only: the first tenth of the samples (at least one) is the warm-up, as in the verdicts.
            double from = samples.Count == 0 ? 0 : samples[Math.Max(1, samples.Count / 10) - 1].ElapsedSeconds;
            double to = samples.Count == 0 ? 0 : samples[^1].ElapsedSeconds;
            var live = LiveLatency.From(published.Snapshot(), [.. summary.Streams.Select(s => s.Name)], samples.Count > 1 ? from : 0, to);
            return new SoakReport(options, samples, totals, summary.MeanBatchSize, Environment.ProcessorCount, sweep, live);
        }
        finally
        {
            await Task.WhenAll(feeds.Select(f => f.StopAsync())).ConfigureAwait(false);

            try
            {
                Directory.Delete(output, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temp folder is not worth failing the report over
            }
        }
    }

    /// <summary>One sample per interval until the duration is over, the run ends or Ctrl+C.</summary>
    private async Task SampleAsync(PipelineRunner runner, Task run, PublishedFrameLog published, int streams, List<SoakSample> samples, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var previous = new Dictionary<string, SoakStreamCounts>();
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: {streams} live streams for {options.Duration.TotalMinutes:0.#} min, a sample every {options.Interval.TotalSeconds:0} s"));
        progress.WriteLine("soak:   time |  in/s | out/s | drop/s | p50 ms | p99 ms |  RSS MB | heap MB");
        int planned = Math.Max(1, (int)(options.Duration / options.Interval));
        while (samples.Count < planned && !run.IsCompleted)
        {
            // Sample k is due at k × interval from the start; timers may fire a little early, so wait out the
            // rest. The wait is computed once per pass: a pause between a check and the subtraction (a
            // descheduled thread, a frozen machine) must not turn into a negative delay.
            var due = options.Interval * (samples.Count + 1);
            for (var wait = due - clock.Elapsed; wait > TimeSpan.Zero && !run.IsCompleted && !cancellation.IsCancellationRequested; wait = due - clock.Elapsed)
            {
                await Task.WhenAny(run, Task.Delay(wait, cancellation)).ConfigureAwait(false);
            }

            if (cancellation.IsCancellationRequested || run.IsCompleted)
            {
                break; // stopped early (Ctrl+C) or the feeds ended: report what was sampled
            }

            var sample = Sample(runner, published, clock.Elapsed, previous);
            samples.Add(sample);
            double seconds = options.Interval.TotalSeconds;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak: {sample.ElapsedSeconds,5:0} s | {sample.Streams.Sum(s => s.In) / seconds,5:0.0} | {sample.Streams.Sum(s => s.Out) / seconds,5:0.0} | {sample.Streams.Sum(s => s.Dropped) / seconds,6:0.0} | {sample.LatencyP50Ms,6:0} | {sample.LatencyP99Ms,6:0} | {sample.ResidentBytes / 1048576.0,7:0.0} | {sample.ManagedHeapBytes / 1048576.0,7:0.0}"));
        }
    }

    private static SoakSample Sample(PipelineRunner runner, PublishedFrameLog published, TimeSpan elapsed, Dictionary<string, SoakStreamCounts> previous)
    {
        var streams = new List<SoakStreamCounts>();
        foreach (var s in runner.Streams)
        {
            var now = new SoakStreamCounts(s.Name, s.Captured, s.Processed, s.Dropped, s.Reconnects);
            var before = previous.GetValueOrDefault(s.Name) ?? new SoakStreamCounts(s.Name, 0, 0, 0, 0);
            streams.Add(new SoakStreamCounts(s.Name, now.In - before.In, now.Out - before.Out, now.Dropped - before.Dropped, now.Reconnects - before.Reconnects));
            previous[s.Name] = now;
        }

        var sorted = published.TakeIntervalSorted();
        using var process = Process.GetCurrentProcess();
        return new SoakSample(
            Math.Round(elapsed.TotalSeconds, 1),
            streams,
            sorted.Count,
            LatencyPercentiles.Percentile(sorted, 0.50),
            LatencyPercentiles.Percentile(sorted, 0.99),
            sorted.Count == 0 ? 0 : sorted[^1],
            process.WorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            GC.CollectionCount(2));
    }

    /// <summary>One feed per stream, each serving the video looped at its own rate; returns their URLs once all take connections.</summary>
    private async Task<IReadOnlyList<string>> ServeFeedsAsync(List<LoopbackMjpegFeed> feeds, CancellationToken cancellation)
    {
        for (int i = 0; i < options.Streams; i++)
        {
            // A name the soak test can tell apart from other tests' servers in the process list.
            feeds.Add(new LoopbackMjpegFeed(options.Video, $"videomtl-soak-feed{i + 1}.mjpg"));
        }

        await Task.WhenAll(feeds.Select(f => f.StartAsync(cancellation))).ConfigureAwait(false);
        return [.. feeds.Select(f => f.Url)];
    }
}
