using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoMtl.Cli.Clustering;
using VideoMtl.Cli.Configuration;
using VideoMtl.Cli.Http;
using VideoMtl.Core.Decoding;
using VideoMtl.Inference;
using VideoMtl.Pipeline;
using VideoMtl.Pipeline.Preview;
using VideoMtl.Pipeline.Sources;
using VideoMtl.Vision;

namespace VideoMtl.Cli.Commands;

/// <summary>
/// <c>videomtl run</c>: the pipeline over one or more sources. Settings come from the settings file,
/// <c>VIDEOMTL__</c> variables and flags (later wins). SIGINT/SIGTERM stop capture; frames in flight are
/// drained, NDJSON flushed and every mp4 finalized before the exit (code 0).
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Option<string?>("--config", "-c") { Description = $"JSON settings file (default: {RunSettingsLoader.DefaultFile} if present); VIDEOMTL__KEY variables and flags override it" };
        var sources = new Option<string[]>("--source", "-s")
        {
            Description = "FILE, image, folder or glob of images, /dev/videoN, camera index, rtsp://, http(s)://, udp://; NAME=URI names the stream (repeatable)",
        };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder for <stream>.mp4 and <stream>.ndjson (default: out)" };
        var model = new Option<string>("--model") { Description = "Multi-task model (default: models/yolov8n-mt.onnx)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda[:N] or tensorrt[:N]; a trailing ! forbids falling back to CPU (default: cpu)" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Frames per inference call, across streams (default: 4)" };
        var maxWait = new Option<int>("--max-wait-ms") { Description = "How long to wait to fill a batch (default: 10)" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (default: 0 = one per CPU this process may use: affinity and container quota)" };
        var spinning = new Option<bool>("--ort-spinning") { Description = "Let ONNX Runtime's threads spin between operators (default: true; --ort-spinning false lets them sleep, leaving the cores to the other stages)" };
        var conf = new Option<float>("--conf", "--confidence") { Description = "Confidence threshold (default: 0.25)" };
        var iou = new Option<float>("--iou") { Description = "NMS IoU threshold (default: 0.7)" };
        var maxFrames = new Option<long>("--max-frames") { Description = "Stop each source after this many frames (default: all)" };
        var loop = new Option<bool>("--loop") { Description = "Restart files when they end" };
        var realtime = new Option<bool>("--realtime") { Description = "Play files at their own frame rate, dropping frames when behind, like a camera" };
        var noVideo = new Option<bool>("--no-video") { Description = "Do not write annotated mp4 files" };
        var videoPreset = new Option<string>("--video-preset") { Description = "x264 speed preset of the mp4 (ultrafast..veryslow; default: veryfast), or ffmpeg for OpenCV's FFmpeg writer" };
        var noTracking = new Option<bool>("--no-tracking") { Description = "No track ids: every object's track_id is null (tracking settings: the Tracking section of the settings file)" };
        var noNdjson = new Option<bool>("--no-ndjson") { Description = "Do not write NDJSON results" };
        var noProgress = new Option<bool>("--no-progress") { Description = "No progress bar (it is shown only on a terminal, for files)" };
        var logFormat = new Option<string>("--log-format") { Description = "text or json (one JSON object per line on stderr)" };
        var httpPort = new Option<int>("--http-port") { Description = "Port of /metrics, /healthz, /readyz, /streams and the preview (default: 8321; 0 = off)" };
        var httpAddress = new Option<string>("--http-address") { Description = "Address the HTTP server binds (default: 127.0.0.1, loopback only)" };
        var tasks = new Option<string>("--tasks") { Description = "Tasks of every stream: detect, segment, pose, comma-separated, all, or auto (pose only for frames with a person, masks only for frames with objects); default: all the model has; per stream: StreamTasks in the settings file" };
        var cluster = new Option<bool>("--cluster") { Description = "Share the streams out with the other instances of a cluster (settings: the Cluster section; README \"Many machines\")" };
        var nodeName = new Option<string>("--node-name") { Description = "This instance's name in the cluster, unique (default: the machine's name)" };
        var clusterPort = new Option<int>("--cluster-port") { Description = "This instance's cluster port (default: 4053)" };
        var seeds = new Option<string[]>("--seed") { Description = "A seed node as host:port (repeatable; the first one forms the cluster; default: this instance)" };

        var command = new Command("run", "Run the pipeline: annotated mp4 and NDJSON results per stream, metrics and live preview over HTTP")
        {
            config, sources, outDir, model, device, maxBatch, maxWait, threads, spinning, conf, iou, maxFrames, loop, realtime, noVideo, videoPreset, noNdjson, noTracking, noProgress, logFormat, httpPort, httpAddress,
            tasks, cluster, nodeName, clusterPort, seeds,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            // First thing: a signal from here on drains instead of killing (before this, .NET's default ends the
            // process at once, when nothing has been written yet).
            using var stop = new StopSignal(cancellation); // drain, flush NDJSON and finalize every mp4 before exiting
            bool verbose = parse.GetValue(CliApplication.VerboseOption);
            var (settings, settingsFile) = RunSettingsLoader.Load(parse.GetValue(config));
            void Override<T>(Option<T> option, Action<T> apply)
            {
                if (parse.GetResult(option) is { Implicit: false })
                {
                    apply(parse.GetValue(option)!);
                }
            }

            Override(sources, v => settings.Sources = [.. v]);
            Override(outDir, v => settings.Output = v);
            Override(model, v => settings.Model = v);
            Override(device, v => settings.Device = v);
            Override(maxBatch, v => settings.MaxBatch = v);
            Override(maxWait, v => settings.MaxWaitMs = v);
            Override(threads, v => settings.Threads = v);
            Override(spinning, v => settings.OrtSpinning = v);
            Override(conf, v => settings.Confidence = v);
            Override(iou, v => settings.IoU = v);
            Override(maxFrames, v => settings.MaxFrames = v);
            Override(loop, v => settings.Loop = v);
            Override(realtime, v => settings.Realtime = v);
            Override(noVideo, v => settings.Video = !v);
            Override(videoPreset, v => settings.VideoPreset = v);
            Override(noNdjson, v => settings.Ndjson = !v);
            Override(noTracking, v => settings.Tracking = settings.Tracking with { Enabled = !v });
            Override(noProgress, v => settings.Progress = !v);
            Override(logFormat, v => settings.LogFormat = v);
            Override(httpPort, v => settings.Http.Port = v);
            Override(httpAddress, v => settings.Http.Address = v);
            Override(tasks, v => settings.Tasks = v);
            Override(cluster, v => settings.Cluster.Enabled = v);
            Override(nodeName, v => settings.Cluster.NodeName = v);
            Override(clusterPort, v => settings.Cluster.Port = v);
            Override(seeds, v => settings.Cluster.Seeds = [.. v]);

            var (options, bind) = ToPipelineOptions(settings);
            bool progress = settings.Progress && !verbose && !Console.IsErrorRedirected && !settings.Loop && !settings.Cluster.Enabled
                && options.Sources.All(s => !s.Source.IsLive);
            using var loggerFactory = CliLogging.Create(verbose, progress ? LogLevel.Warning : LogLevel.Information, settings.LogFormat == "json");
            var logger = loggerFactory.CreateLogger("run");
            if (settingsFile is not null)
            {
                logger.LogDebug("settings from {File}", settingsFile);
            }

            // One Redis connection for the sink, the cluster's claim and its result history; declared before them, so
            // disposed after every one of them has stopped.
            await using var redisConnection = settings.Redis.Enabled ? new Redis.RedisConnection(settings.Redis.Endpoint()) : null;
            await using var clusterRun = settings.Cluster.Enabled ? ClusterRun.Prepare(settings.Cluster, [.. options.Sources.Select(s => s.Name)], loggerFactory) : null;
            if (clusterRun is not null)
            {
                options = options with { Ownership = clusterRun.Leases };
            }

            // One registry for this run, served at /metrics: nothing goes to prometheus-net's static default.
            var registry = Prometheus.Metrics.NewCustomRegistry();
            using var preview = settings.Http.Port != 0 ? new PreviewSink(options.Sources.Select(s => s.Name)) : null;
            Redis.RedisResultSink? redisSink = null;
            var redis = RedisSink(redisConnection, settings.Redis, registry, loggerFactory, clusterRun?.NodeName, made => redisSink = made);
            var runner = new PipelineRunner(options, loggerFactory, preview is null ? null : [preview], registry, redis is null ? null : [redis]);
            StatusServer? server = null;
            if (preview is not null)
            {
                server = await StatusServer.StartAsync(bind, settings.Http, runner, registry, preview, clusterRun).ConfigureAwait(false);
                logger.LogInformation("metrics at {Address}/metrics; preview at {Address}/streams/{{name}}/mjpeg (also /healthz, /readyz, /streams)", server.Address, server.Address);
            }

            // In a cluster a stop first hands the streams over (the pipeline keeps running meanwhile, so the frames in
            // flight reach their sinks), then stops the pipeline; alone, a stop stops the pipeline at once.
            using var pipelineStop = new CancellationTokenSource();
            using var onStop = stop.Token.Register(() => _ = StopAsync(clusterRun, pipelineStop));
            PipelineSummary summary;
            Exception? clusterFailure = null;
            try
            {
                var run = runner.RunAsync(pipelineStop.Token);
                if (clusterRun is not null)
                {
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await clusterRun.JoinWhenReadyAsync(runner, redisConnection, () => redisSink is not { Pending: > 0 }, registry, loggerFactory, run, pipelineStop.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (pipelineStop.IsCancellationRequested)
                        {
                        }
                        catch (Exception e)
                        {
                            clusterFailure = e;
                            await pipelineStop.CancelAsync().ConfigureAwait(false);
                        }
                    }, CancellationToken.None);
                }

                if (progress)
                {
                    await RunProgress.ShowAsync(runner, run).ConfigureAwait(false);
                }

                summary = await run.ConfigureAwait(false);
            }
            finally
            {
                if (server is not null)
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (clusterFailure is not null)
            {
                throw clusterFailure is UserError ? clusterFailure : new UserError($"cluster: {clusterFailure.Message}", clusterFailure);
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

    /// <summary>Checks the merged settings; each message names the setting (as flag and key) and the fix.</summary>
    private static (PipelineOptions Options, System.Net.IPAddress Bind) ToPipelineOptions(RunSettings settings)
    {
        if (settings.LogFormat is not ("text" or "json"))
        {
            throw new UserError($"--log-format / LogFormat '{settings.LogFormat}' is unknown: use text or json");
        }

        if (settings.Http.Port is < 0 or > 65535)
        {
            throw new UserError($"--http-port / Http:Port {settings.Http.Port} is out of range: use 1..65535, or 0 to switch the HTTP server off");
        }

        if (settings.Http.ManagementPort is < 0 or > 65535 || (settings.Http.ManagementPort != 0 && settings.Http.ManagementPort == settings.Http.Port))
        {
            throw new UserError($"Http:ManagementPort {settings.Http.ManagementPort} is out of range: use 1..65535 other than Http:Port ({settings.Http.Port}), or 0 for none");
        }

        if (settings.Http.MaxViewers is < 1 or > 100_000)
        {
            throw new UserError($"Http:MaxViewers {settings.Http.MaxViewers} is out of range: use 1..100000");
        }

        if (!(settings.Http.ViewerStallSeconds is > 0 and <= 3600))
        {
            throw new UserError($"Http:ViewerStallSeconds {settings.Http.ViewerStallSeconds} is out of range: use more than 0, at most 3600");
        }

        if (!System.Net.IPAddress.TryParse(settings.Http.Address, out var bind))
        {
            throw new UserError($"--http-address / Http:Address '{settings.Http.Address}' is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
        }

        if (settings.Http.BearerToken is { } token && (token.Length < 16 || token.Any(char.IsWhiteSpace)))
        {
            throw new UserError("Http:BearerToken is too weak: use at least 16 characters without spaces (e.g. openssl rand -hex 24)");
        }

        if (settings.Threads is < 0 or > 1024)
        {
            throw new UserError($"--threads / Threads {settings.Threads} is out of range: use 0 (one per CPU available) .. 1024");
        }

        if (string.IsNullOrWhiteSpace(settings.Output))
        {
            throw new UserError("--out / Output is empty: give an output folder");
        }

        CheckWritableFolder(settings.Output);

        string modelPath = RepositoryPaths.ResolveModel(settings.Model);
        try
        {
            var options = new PipelineOptions
            {
                Sources = WithTasks(settings.Sources.Select(SourceSpec.Parse).ToList(), settings.StreamTasks),
                Tasks = settings.Tasks is { } all ? Core.Model.TaskNames.Parse(all, "--tasks / Tasks") : null,
                GateKeepAlive = settings.Gate.KeepAliveSeconds is >= 0 and <= 3600
                    ? TimeSpan.FromSeconds(settings.Gate.KeepAliveSeconds)
                    : throw new ArgumentException($"Gate:KeepAliveSeconds {settings.Gate.KeepAliveSeconds} is out of range: use 0 (never) .. 3600"),
                OutputDirectory = settings.Output,
                ModelPath = modelPath,
                Provider = ExecutionProviderOptions.Parse(settings.Device) with
                {
                    TensorRtFp16 = settings.TensorRtFp16,
                    TensorRtEngineCacheDirectory = settings.TensorRtEngineCache ?? RepositoryPaths.DefaultTensorRtEngineCache,
                },
                IntraOpThreads = settings.Threads,
                OrtSpinning = settings.OrtSpinning,
                MaxBatch = settings.MaxBatch,
                MaxBatchWait = TimeSpan.FromMilliseconds(settings.MaxWaitMs),
                Decoder = new DecoderOptions { Confidence = settings.Confidence, IoU = settings.IoU },
                Tracking = settings.Tracking,
                MaxFramesPerSource = settings.MaxFrames,
                Loop = settings.Loop,
                Realtime = settings.Realtime,
                WriteVideo = settings.Video,
                VideoPreset = settings.VideoPreset,
                WriteNdjson = settings.Ndjson,
                Reconnect = new ReconnectPolicy
                {
                    StallTimeout = Seconds(settings.Reconnect.StallSeconds, "Reconnect:StallSeconds"),
                    InitialDelay = TimeSpan.FromMilliseconds(settings.Reconnect.InitialDelayMs),
                    MaxDelay = Seconds(settings.Reconnect.MaxDelaySeconds, "Reconnect:MaxDelaySeconds"),
                    Jitter = settings.Reconnect.Jitter,
                    MaxAttempts = settings.Reconnect.MaxAttempts == 0 ? null : settings.Reconnect.MaxAttempts,
                },
            };
            options.Validate(settings.Redis.Enabled ? 1 : 0);
            return (options, bind);
        }
        catch (Exception e) when (e is ArgumentException or VisionException)
        {
            throw new UserError(e is ArgumentOutOfRangeException range ? $"{range.Message.Split(" (Parameter", 2)[0]} (got {range.ActualValue})" : e.Message, e);
        }
    }

    /// <summary>Each stream's own task set from StreamTasks; a name that is no stream's is a mistake, not ignored.</summary>
    private static List<SourceSpec> WithTasks(List<SourceSpec> sources, Dictionary<string, string> streamTasks)
    {
        foreach (string name in streamTasks.Keys)
        {
            if (!sources.Any(s => s.Name == name))
            {
                throw new ArgumentException($"StreamTasks:{name} names no stream: the streams are {string.Join(", ", sources.Select(s => s.Name))} (name a source with NAME=URI)");
            }
        }

        return [.. sources.Select(s => streamTasks.TryGetValue(s.Name, out string? text) ? s with { Tasks = Core.Model.TaskNames.Parse(text, $"StreamTasks:{s.Name}") } : s)];
    }

    /// <summary>A clean stop: in a cluster, the streams are handed over first; then the pipeline drains and stops.</summary>
    private static async Task StopAsync(ClusterRun? cluster, CancellationTokenSource pipelineStop)
    {
        try
        {
            if (cluster is not null)
            {
                await cluster.LeaveAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await pipelineStop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The Redis results sink the settings ask for (made once the model is loaded), or null; a bad address is a one-line error now.</summary>
    /// <param name="instance">In a cluster, this instance's name: every entry carries it.</param>
    /// <param name="made">Told the sink once it is made (a hand-over waits for it to be flushed).</param>
    private static Func<Core.Model.ModelDescription, Pipeline.Sinks.IFrameSink>? RedisSink(
        Redis.RedisConnection? connection, RedisSettings settings, Prometheus.CollectorRegistry registry, ILoggerFactory loggers, string? instance, Action<Redis.RedisResultSink> made)
    {
        if (connection is null)
        {
            return null;
        }

        var options = new Redis.RedisSinkOptions(settings.MaxLength, settings.QueueCapacity, Instance: instance);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UserError(e.Message, e);
        }

        var logger = loggers.CreateLogger("redis");
        logger.LogInformation("results to {Endpoint} (streams {Key}, events {Events})", connection.Endpoint.Redacted, Redis.RedisKeys.Results("<stream>"), Redis.RedisKeys.Events);
        return model =>
        {
            var sink = new Redis.RedisResultSink(connection, model, options, registry, logger);
            made(sink);
            return sink;
        };
    }

    /// <summary>Creates the output folder and writes a probe file, so an unwritable place fails before the model loads.</summary>
    private static void CheckWritableFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".videomtl-write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            string reason = e switch
            {
                UnauthorizedAccessException => "permission denied",
                DirectoryNotFoundException or FileNotFoundException => "a part of the path is not a folder or cannot hold one",
                _ => e.Message.TrimEnd('.'),
            };
            throw new UserError($"--out / Output {folder}: cannot create or write the output folder ({reason}); choose a writable folder", e);
        }
    }

    /// <summary>Seconds from a setting as a TimeSpan; NaN, infinite or absurd values are named, not thrown raw.</summary>
    private static TimeSpan Seconds(double value, string key) =>
        double.IsFinite(value) && Math.Abs(value) < 1e6 ? TimeSpan.FromSeconds(value) : throw new ArgumentException($"{key} {value} is not a usable number of seconds");

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
