using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using VideoMtl.Cli.Http;
using VideoMtl.Core.Decoding;
using VideoMtl.Onnx;
using VideoMtl.Pipeline;
using VideoMtl.Pipeline.Metrics;
using VideoMtl.Pipeline.Sources;
using VideoMtl.Vision;

namespace VideoMtl.Cli.Commands;

/// <summary>
/// <c>videomtl run</c>: the pipeline over one or more sources. SIGINT/SIGTERM stop capture; frames in
/// flight are drained, NDJSON flushed and every mp4 finalized before the exit (code 0).
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output)
    {
        var sources = new Option<string[]>("--source", "-s")
        {
            Description = "FILE, /dev/videoN, camera index, rtsp://, http(s)://, udp://; NAME=URI names the stream (repeatable)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder for <stream>.mp4 and <stream>.ndjson", DefaultValueFactory = _ => "out" };
        var model = new Option<string?>("--model") { Description = "Multi-task model (default: models/yolov8n-mt.onnx)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda[:N] or tensorrt[:N]; a trailing ! forbids falling back to CPU", DefaultValueFactory = _ => "cpu" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Frames per inference call, across streams", DefaultValueFactory = _ => 4 };
        var maxWait = new Option<int>("--max-wait-ms") { Description = "How long to wait to fill a batch", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core)", DefaultValueFactory = _ => 0 };
        var conf = new Option<float>("--conf") { Description = "Confidence threshold", DefaultValueFactory = _ => 0.25f };
        var iou = new Option<float>("--iou") { Description = "NMS IoU threshold", DefaultValueFactory = _ => 0.7f };
        var loop = new Option<bool>("--loop") { Description = "Restart files when they end" };
        var realtime = new Option<bool>("--realtime") { Description = "Play files at their own frame rate, dropping frames when behind, like a camera" };
        var noVideo = new Option<bool>("--no-video") { Description = "Do not write annotated mp4 files" };
        var noNdjson = new Option<bool>("--no-ndjson") { Description = "Do not write NDJSON results" };
        var httpPort = new Option<int>("--http-port") { Description = "Port of /metrics, /healthz, /readyz and /streams (0 = off)", DefaultValueFactory = _ => 8321 };
        var httpAddress = new Option<string>("--http-address") { Description = "Address the HTTP server binds (default loopback only)", DefaultValueFactory = _ => "127.0.0.1" };

        var command = new Command("run", "Run the pipeline: annotated mp4 and NDJSON results per stream")
        {
            sources, outDir, model, device, maxBatch, maxWait, threads, conf, iou, loop, realtime, noVideo, noNdjson, httpPort, httpAddress,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            bool verbose = parse.GetValue(CliApplication.VerboseOption);
            using var loggerFactory = CliLogging.Create(verbose, LogLevel.Information);
            string modelPath = RepositoryPaths.ResolveModel(parse.GetValue(model));

            PipelineOptions options;
            try
            {
                options = new PipelineOptions
                {
                    Sources = parse.GetValue(sources)!.Select(SourceSpec.Parse).ToList(),
                    OutputDirectory = parse.GetValue(outDir)!,
                    ModelPath = modelPath,
                    Provider = ExecutionProviderOptions.Parse(parse.GetValue(device)!),
                    IntraOpThreads = parse.GetValue(threads),
                    MaxBatch = parse.GetValue(maxBatch),
                    MaxBatchWait = TimeSpan.FromMilliseconds(parse.GetValue(maxWait)),
                    Decoder = new DecoderOptions { Confidence = parse.GetValue(conf), IoU = parse.GetValue(iou) },
                    Loop = parse.GetValue(loop),
                    Realtime = parse.GetValue(realtime),
                    WriteVideo = !parse.GetValue(noVideo),
                    WriteNdjson = !parse.GetValue(noNdjson),
                };
                options.Validate();
            }
            catch (Exception e) when (e is ArgumentException or VisionException)
            {
                throw new UserError(e is ArgumentOutOfRangeException range ? $"{range.Message.Split(" (Parameter", 2)[0]} (got {range.ActualValue})" : e.Message, e);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true; // we exit ourselves once everything is flushed
                stop.Cancel();
            });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });

            int port = parse.GetValue(httpPort);
            if (port is < 0 or > 65535)
            {
                throw new UserError($"--http-port {port} is out of range: use 1..65535, or 0 to switch the HTTP server off");
            }

            if (!System.Net.IPAddress.TryParse(parse.GetValue(httpAddress), out var bind))
            {
                throw new UserError($"--http-address {parse.GetValue(httpAddress)} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
            }

            using var exporter = new PrometheusTextExporter(PipelineMetrics.MeterName, PipelineMetrics.Buckets);
            var runner = new PipelineRunner(options, loggerFactory);
            StatusServer? server = null;
            if (port != 0)
            {
                server = await StatusServer.StartAsync(bind, port, runner, exporter).ConfigureAwait(false);
                loggerFactory.CreateLogger("http").LogInformation("metrics at {Address}/metrics (also /healthz, /readyz, /streams)", server.Address);
            }

            PipelineSummary summary;
            try
            {
                summary = await runner.RunAsync(stop.Token).ConfigureAwait(false);
            }
            finally
            {
                if (server is not null)
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                }
            }

            WriteSummary(output, summary, options);
            if (server is not null)
            {
                output.WriteLine($"  metrics were served at {server.Address}/metrics");
            }

            return summary.Streams.All(s => s.Error is null) ? 0 : 1;
        });
        return command;
    }

    private static void WriteSummary(TextWriter output, PipelineSummary summary, PipelineOptions options)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{(summary.Cancelled ? "stopped" : "done")}: {summary.FramesProcessed} frames in {summary.Elapsed.TotalSeconds:0.0} s ({summary.FramesPerSecond:0.0} fps), mean batch {summary.MeanBatchSize:0.00}"));
        foreach (var s in summary.Streams)
        {
            output.WriteLine(string.Create(c, $"  {s.Name}: {s.Processed} processed, {s.Dropped} dropped{(s.Error is null ? string.Empty : $", error: {s.Error}")}"));
        }

        output.WriteLine($"  results in {Path.GetFullPath(options.OutputDirectory)}");
    }
}
