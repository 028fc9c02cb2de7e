using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoMtl.Cli.Live;
using VideoMtl.Cli.Soak;
using VideoMtl.Pipeline;
using VideoMtl.Pipeline.Sources;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// <c>bench --live N</c>: N live feeds of the bench's video (ffmpeg serving HTTP MJPEG on 127.0.0.1 at the
/// video's own rate, as the soak does) through the pipeline for a set time; end-to-end latency per stream and
/// overall against the batch inference time of the same run. The first tenth is the warm-up and not counted.
/// </summary>
internal sealed class LiveBenchRunner(BenchOptions options, int streams, TimeSpan duration, ILoggerFactory loggerFactory, TextWriter progress)
{
    public async Task<LiveLatency> RunAsync(CancellationToken cancellation)
    {
        var feeds = Enumerable.Range(1, streams).Select(i => new LoopbackMjpegFeed(options.Source, $"videomtl-bench-feed{i}.mjpg")).ToList();
        var output = Path.Combine(Path.GetTempPath(), "videomtl-bench-live-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            await Task.WhenAll(feeds.Select(f => f.StartAsync(cancellation))).ConfigureAwait(false);
            var pipeline = new PipelineOptions
            {
                Sources = feeds.Select((f, i) => SourceSpec.Parse($"s{i + 1}={f.Url}")).ToList(),
                OutputDirectory = output,
                ModelPath = options.ModelPath,
                Provider = options.Provider,
                IntraOpThreads = options.Threads,
                OrtSpinning = options.Spinning,
                MaxBatch = options.MaxBatch,
                WriteVideo = false,
                WriteNdjson = true,
            };
            var published = new PublishedFrameLog();
            var runner = new PipelineRunner(pipeline, loggerFactory) { FramePublished = published.Record };
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench: {streams} live streams for {duration.TotalSeconds:0} s (the first tenth is the warm-up)"));
            var clock = Stopwatch.StartNew();
            var run = runner.RunAsync(stop.Token);
            try
            {
                await Task.WhenAny(run, Task.Delay(duration, cancellation)).ConfigureAwait(false);
            }
            finally
            {
                // Drained and stopped before the feeds go: a process that exits with inference still running
                // inside ONNX Runtime would tear the native library down under it.
                await stop.CancelAsync().ConfigureAwait(false);
                await ((Task)run).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            cancellation.ThrowIfCancellationRequested();
            var summary = await run.ConfigureAwait(false);
            double end = Math.Min(clock.Elapsed.TotalSeconds, duration.TotalSeconds);
            return LiveLatency.From(published.Snapshot(), [.. summary.Streams.Select(s => s.Name)], end / 10, end);
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
                // a leftover (or never made) temp folder is not worth failing the figures over
            }
        }
    }
}
