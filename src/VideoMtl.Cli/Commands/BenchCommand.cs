using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VideoMtl.Cli.Bench;
using VideoMtl.Cli.Live;
using VideoMtl.Inference;

namespace VideoMtl.Cli.Commands;

/// <summary>
/// <c>videomtl bench</c>: inference ceiling, decode-only, the pipeline with sinks on and off, stage times,
/// allocation per frame and cross-stream batching, all in one run on the same file, model and threads.
/// </summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions LiveJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create(TextWriter output)
    {
        var source = new Option<string>("--source", "-s") { Description = "Video file to measure on (default: vtest.avi from ../shared/media)" };
        var model = new Option<string?>("--model") { Description = "Multi-task model (default: models/yolov8n-mt.onnx)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda[:N] or tensorrt[:N]", DefaultValueFactory = _ => "cpu" };
        var frames = new Option<int>("--frames") { Description = "Frames per measurement", DefaultValueFactory = _ => 200 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per CPU this process may use, as run)", DefaultValueFactory = _ => 0 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Batch of the ceiling and of the pipeline runs", DefaultValueFactory = _ => 4 };
        var spinning = new Option<bool>("--ort-spinning") { Description = "Let ONNX Runtime's threads spin between operators, as run's OrtSpinning (default: true; --ort-spinning false to let them sleep)", DefaultValueFactory = _ => true };
        var videoPreset = new Option<string>("--video-preset") { Description = "x264 preset of the mp4 in the all-sinks run (as run's --video-preset)", DefaultValueFactory = _ => Media.VideoPresets.Default };
        var noBatching = new Option<bool>("--no-batching") { Description = "Skip the 1/2/4-stream batching runs (they take most of the time)" };
        var json = new Option<string?>("--json") { Description = "Also write the figures as JSON to this file (- for stdout instead of the tables)" };
        var live = new Option<int>("--live") { Description = "Instead: N live feeds of the video (HTTP MJPEG on 127.0.0.1) for --live-duration; end-to-end latency per stream against the batch inference time" };
        var compare = new Option<string?>("--compare") { Description = "Instead: the inference ceiling of this model against --model's (bare Run loops, A B B A), with each one's GFLOPs" };
        var tasks = new Option<string[]>("--tasks") { Description = "Instead: per task set (repeat: --tasks detect --tasks all), its GFLOPs and inference ceiling with only its parts of the model run" };
        var liveDuration = new Option<string>("--live-duration") { Description = "How long the --live run lasts: 60s, 5m", DefaultValueFactory = _ => "60s" };
        var command = new Command("bench", "Measure the inference ceiling, decode, the pipeline (sinks on/off), stage times, allocations and batching in one run")
        {
            source, model, device, frames, threads, maxBatch, spinning, videoPreset, noBatching, json, live, liveDuration, compare, tasks,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            // A stop ends the bench at once with exit 0 and no figures (half a bench measures nothing comparable):
            // its bare loops cannot be interrupted between frames, so they are left behind with the process.
            using var stop = new StopSignal(cancellation);
            bool verbose = parse.GetValue(CliApplication.VerboseOption);
            using var loggerFactory = CliLogging.Create(verbose);
            string file = parse.GetValue(source) ?? Path.Combine(RepositoryPaths.SharedMedia, "vtest.avi");
            if (!File.Exists(file))
            {
                throw new UserError($"--source {file}: file not found; give a video file to measure on");
            }

            int count = parse.GetValue(frames);
            if (count is < 8 or > 100_000)
            {
                throw new UserError($"--frames {count} is out of range: use 8..100000");
            }

            int batch = parse.GetValue(maxBatch);
            if (batch is < 1 or > 64)
            {
                throw new UserError($"--max-batch {batch} is out of range: use 1..64");
            }

            string preset = parse.GetValue(videoPreset)!;
            if (!Media.VideoPresets.IsKnown(preset))
            {
                throw new UserError($"--video-preset '{preset}' is unknown: use one of {Media.VideoPresets.Listing}");
            }

            var options = new BenchOptions(
                file, RepositoryPaths.ResolveModel(parse.GetValue(model)), ParseDevice(parse.GetValue(device)!), count, parse.GetValue(threads), batch, !parse.GetValue(noBatching), parse.GetValue(spinning), preset);
            string? jsonPath = parse.GetValue(json);
            int liveStreams = parse.GetValue(live);
            if (liveStreams != 0)
            {
                return await LiveAsync(options, liveStreams, parse.GetValue(liveDuration)!, jsonPath, loggerFactory, output, stop.Token).ConfigureAwait(false);
            }

            if (parse.GetValue(tasks) is { Length: > 0 } taskSets)
            {
                List<Core.Model.ModelTasks> sets;
                try
                {
                    sets = [.. taskSets.Select(t => Core.Model.TaskNames.Parse(t, "--tasks"))];
                }
                catch (ArgumentException e)
                {
                    throw new UserError(e.Message, e);
                }

                return await MeasureAndReportAsync(() => TaskSetComparison.Run(options, sets, Console.Error, stop.Token), TaskSetComparison.WriteTable, jsonPath, output, stop.Token).ConfigureAwait(false);
            }

            if (parse.GetValue(compare) is { } other)
            {
                return await MeasureAndReportAsync(() => ModelComparison.Run(options, other, Console.Error, stop.Token), ModelComparison.WriteTable, jsonPath, output, stop.Token).ConfigureAwait(false);
            }

            BenchReport report;
            try
            {
                var runner = new BenchRunner(options, loggerFactory, Console.Error);
                report = await Task.Run(() => runner.RunAsync(stop.Token), CancellationToken.None).WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
            {
                Console.Error.WriteLine("bench: stopped before the end: no figures");
                return 0;
            }

            string text = BenchReportWriter.ToJson(report);
            if (jsonPath == "-")
            {
                output.WriteLine(text);
                return 0;
            }

            BenchReportWriter.WriteTables(report, output);
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, text + "\n", CancellationToken.None).ConfigureAwait(false);
                output.WriteLine($"figures written to {jsonPath}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// A side-by-side measurement (models, task sets): run on a pool thread, then its table, or its JSON on stdout
    /// (<c>--json -</c>) or also in a file. A stop ends it with exit 0 and no figures (half of one compares nothing).
    /// </summary>
    private static async Task<int> MeasureAndReportAsync<T>(Func<T> measure, Action<T, TextWriter> writeTable, string? jsonPath, TextWriter output, CancellationToken stop)
    {
        T report;
        try
        {
            report = await Task.Run(measure, CancellationToken.None).WaitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: stopped before the end: no figures");
            return 0;
        }

        string figures = JsonSerializer.Serialize(report, LiveJson);
        if (jsonPath == "-")
        {
            output.WriteLine(figures);
            return 0;
        }

        writeTable(report, output);
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, figures + "\n", CancellationToken.None).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary><c>bench --live N</c>: the live-latency run only.</summary>
    private static async Task<int> LiveAsync(BenchOptions options, int streams, string duration, string? jsonPath, ILoggerFactory loggerFactory, TextWriter output, CancellationToken stop)
    {
        if (streams is < 1 or > 64)
        {
            throw new UserError($"--live {streams} is out of range: use 1..64 streams");
        }

        var runFor = SoakCommand.ParseDuration(duration, "--live-duration");
        LiveLatency figures;
        try
        {
            figures = await new LiveBenchRunner(options, streams, runFor, loggerFactory, Console.Error).RunAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: stopped before the end: no figures");
            return 0;
        }

        if (jsonPath != "-")
        {
            LiveLatencyWriter.Write(figures, output);
        }

        if (jsonPath is not null)
        {
            string text = JsonSerializer.Serialize(figures, LiveJson);
            if (jsonPath == "-")
            {
                output.WriteLine(text);
            }
            else
            {
                await File.WriteAllTextAsync(jsonPath, text + "\n", CancellationToken.None).ConfigureAwait(false);
                output.WriteLine($"figures written to {jsonPath}");
            }
        }

        return 0;
    }

    private static ExecutionProviderOptions ParseDevice(string device)
    {
        try
        {
            return ExecutionProviderOptions.Parse(device) with { TensorRtEngineCacheDirectory = RepositoryPaths.DefaultTensorRtEngineCache };
        }
        catch (ArgumentException e)
        {
            throw new UserError(e.Message, e);
        }
    }
}
