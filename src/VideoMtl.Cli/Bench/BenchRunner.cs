using OpenCvSharp;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using VideoMtl.Core.Model;
using VideoMtl.Inference;
using VideoMtl.Pipeline;
using VideoMtl.Pipeline.Preview;
using VideoMtl.Pipeline.Sources;
using VideoMtl.Vision;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// Runs every measurement of <c>videomtl bench</c> in one process, one after another (never side by side:
/// on a small machine they would steal cores from each other), with the same model, threads and file.
/// </summary>
internal sealed class BenchRunner(BenchOptions options, ILoggerFactory loggerFactory, TextWriter progress)
{
    public async Task<BenchReport> RunAsync(CancellationToken cancellation)
    {
        // Exactly the session settings of the pipeline runs, so the ceiling is the same model run the same way.
        var runOptions = PipelineOptionsFor(1, options.MaxBatch, allSinks: false, "unused", options.Frames);
        var threads = runOptions.ResolveThreads();
        var sessionOptions = runOptions.CreateSessionOptions(threads);
        if (threads.Warning is not null)
        {
            Say($"warning: {threads.Warning}");
        }
        int width, height;
        using (var probe = VideoFileReader.Open(options.Source))
        {
            (width, height) = (probe.Info.Width, probe.Info.Height);
        }

        // What a separate runner that sets nothing would get: ONNX Runtime's defaults, batch 1.
        var ortDefaults = new InferenceSessionOptions { Provider = options.Provider, LogLevel = OrtLogLevel.Error };
        Say($"inference ceiling: bare Run loop, batch {options.MaxBatch} (first half)");
        double ceilingBefore = MeasureCeiling(sessionOptions, options.MaxBatch, Math.Max(16, options.Frames / 4));
        Say("bare Run loop with ONNX Runtime's defaults, batch 1 (first half)");
        double defaultsBefore = MeasureCeiling(ortDefaults, 1, Math.Max(8, options.Frames / 4));
        double? ceiling1 = null;
        if (options.Batching && options.MaxBatch != 1)
        {
            Say("inference ceiling: bare Run loop, batch 1");
            ceiling1 = MeasureCeiling(sessionOptions, 1, Math.Max(8, options.Frames / 4));
        }

        // A ceiling at the run's own settings cannot show that those settings are wrong: the sweep can.
        var sweep = ThreadSweep.Run(options.ModelPath, options.Provider, options.Source, Math.Max(8, options.Frames / 4), threads.Threads, options.Spinning, Say);
        if (sweep.Hint is { } hint)
        {
            Say($"hint: {hint}");
        }

        Say("decode only (OpenCV, then an ffmpeg child process)");
        double decode = MeasureDecode();
        double decodeFfmpeg = MeasureDecodeThroughFfmpeg();

        Say("host work per frame, measured alone (preprocess, postprocess, track, overlay)");
        // The model runs between the timed steps; its threads must not spin on into them, or the "alone"
        // figure would include waiting for a core that an idle, spinning ONNX Runtime thread holds.
        var host = MeasureHostWork((PipelineOptionsFor(1, options.MaxBatch, allSinks: false, "unused", options.Frames) with { OrtSpinning = false }).CreateSessionOptions());

        Say("pipeline, all sinks (NDJSON, mp4, preview)");
        var sinksOn = await MeasurePipelineAsync("ndjson+mp4+preview", 1, options.MaxBatch, allSinks: true, cancellation).ConfigureAwait(false);
        Say("pipeline, sinks off");
        var sinksOff = await MeasurePipelineAsync("none", 1, options.MaxBatch, allSinks: false, cancellation).ConfigureAwait(false);

        // The ceiling brackets the pipeline runs (before and after, averaged): the speed of a shared
        // machine drifts, and the ratio should compare like with like.
        Say($"inference ceiling: bare Run loop, batch {options.MaxBatch} (second half)");
        double ceiling = (ceilingBefore + MeasureCeiling(sessionOptions, options.MaxBatch, Math.Max(16, options.Frames / 4))) / 2;
        Say("bare Run loop with ONNX Runtime's defaults, batch 1 (second half)");
        double defaults = (defaultsBefore + MeasureCeiling(ortDefaults, 1, Math.Max(8, options.Frames / 4))) / 2;

        var batching = new List<BatchingFigures>();
        if (options.Batching)
        {
            foreach (int streams in new[] { 1, 2, 4 })
            {
                // A-B-B-A order, half the frames each: the machine's speed drifts (shared cores, heat), and
                // a linear drift cancels out of the two means, which a single A-then-B pair would not do.
                int[] sizes = options.MaxBatch == 1 ? [1, 1] : [1, options.MaxBatch, options.MaxBatch, 1];
                var runs = new List<(int MaxBatch, PipelineFigures Figures)>();
                foreach (int maxBatch in sizes)
                {
                    Say($"batching: {streams} stream(s), max batch {maxBatch}");
                    runs.Add((maxBatch, await MeasurePipelineAsync("none", streams, maxBatch, allSinks: false, cancellation, options.Frames / 2).ConfigureAwait(false)));
                }

                foreach (var group in runs.GroupBy(r => r.MaxBatch))
                {
                    batching.Add(new BatchingFigures(
                        streams, group.Key, group.Sum(r => r.Figures.Frames), group.Average(r => r.Figures.SteadyFps), group.Average(r => r.Figures.MeanBatch)));
                }
            }
        }

        var setup = new BenchSetup(
            Path.GetRelativePath(Environment.CurrentDirectory, Path.GetFullPath(options.Source)), width, height, Path.GetFileName(options.ModelPath), options.Frames, threads.Threads, options.MaxBatch,
            Environment.ProcessorCount, Environment.Version.ToString(), OnnxRuntimeInfo.Version, OpenCvInfo.Version, options.Provider.ToString());
        var report = new BenchReport
        {
            Setup = setup,
            CeilingFps = ceiling,
            CeilingFpsBatch1 = ceiling1,
            OrtDefaultsFps = defaults,
            Sweep = sweep,
            DecodeFps = decode,
            DecodeFpsFfmpeg = decodeFfmpeg,
            HostAlone = host,
            SinksOn = sinksOn,
            SinksOff = sinksOff,
            Batching = batching,
            Targets = [],
        };
        return report with { Targets = CheckTargets(report) };
    }

    private static List<TargetCheck> CheckTargets(BenchReport report)
    {
        var targets = new List<TargetCheck>
        {
            new("pipeline / ceiling (all sinks)", ">= 0.90", report.RatioSinksOn, report.RatioSinksOn >= 0.90),
            new("pipeline / bare loop at ORT defaults (all sinks)", ">= 0.90", report.RatioSinksOnVsOrtDefaults, report.RatioSinksOnVsOrtDefaults >= 0.90),
            new("pipeline / best bare loop measured (all sinks)", ">= 0.90", report.RatioSinksOnVsBest, report.RatioSinksOnVsBest >= 0.90),
            new("run's threads+spinning / best of the sweep (bare loops)", $">= {ThreadSweep.HintThreshold:0.00}", report.Sweep.RunSettingsRatio, report.Sweep.RunSettingsRatio >= ThreadSweep.HintThreshold),
            new("host ms per frame, alone (pre+post+track+overlay)", "<= 5 ms", report.HostAlone.TotalMs, report.HostAlone.TotalMs <= 5),
            new("managed bytes per frame (sinks off)", "<= 1024", report.SinksOff.AllocatedBytesPerFrame, report.SinksOff.AllocatedBytesPerFrame <= 1024),
        };
        var four = report.Batching.Where(b => b.Streams == 4).ToList();
        if (four.Count == 2)
        {
            double gain = four[1].SteadyFps / four[0].SteadyFps;
            targets.Add(new($"4 streams: max batch {four[1].MaxBatch} vs 1", ">= 1.00x", gain, gain >= 1.0));
        }

        return targets;
    }

    private double MeasureCeiling(InferenceSessionOptions sessionOptions, int batch, int frames) =>
        BareRunLoop.Measure(options.ModelPath, sessionOptions, options.Source, batch, frames);

    /// <summary>The same file through the ffmpeg child process network sources use (BMP frames over a pipe).</summary>
    private double MeasureDecodeThroughFfmpeg()
    {
        using var frame = new Mat();
        var clock = Stopwatch.StartNew();
        using var source = Media.FfmpegLiveSource.Open(VideoSource.File(options.Source), new CaptureOptions(), frame);
        int frames = 0;
        while (frames < options.Frames && source.Read(frame, out _))
        {
            frames++;
        }

        return frames / clock.Elapsed.TotalSeconds;
    }

    private double MeasureDecode()
    {
        using var capture = VideoFileReader.Open(options.Source);
        using var frame = new Mat();
        var clock = Stopwatch.StartNew();
        int frames = 0;
        while (frames < options.Frames && capture.Read(frame, out _))
        {
            frames++;
        }

        return frames / clock.Elapsed.TotalSeconds;
    }

    private async Task<PipelineFigures> MeasurePipelineAsync(string sinks, int streams, int maxBatch, bool allSinks, CancellationToken cancellation, int? frames = null)
    {
        string output = Path.Combine(Path.GetTempPath(), $"videomtl-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var pipelineOptions = PipelineOptionsFor(streams, maxBatch, allSinks, output, Math.Max(8, frames ?? options.Frames));
            var specs = pipelineOptions.Sources;
            long perStream = pipelineOptions.MaxFramesPerSource!.Value;
            var measure = new MeasuringSink(Math.Max(4, perStream * streams / 5));
            using var preview = allSinks ? new PreviewSink(specs.Select(s => s.Name)) : null;
            var runner = new PipelineRunner(pipelineOptions, loggerFactory, preview is null ? [measure] : [preview, measure]);
            var summary = await runner.RunAsync(cancellation).ConfigureAwait(false);
            var perFrame = StageTimeCollector.MeanMillisecondsPerFrame(runner.Metrics!);
            double host = perFrame["preprocess"] + perFrame["postprocess"] + perFrame["track"] + perFrame["overlay"];
            return new PipelineFigures(
                sinks, summary.FramesProcessed, summary.FramesPerSecond, measure.SteadyFramesPerSecond, summary.MeanBatchSize, perFrame, host,
                measure.ObjectsPerFrame, measure.AllocatedBytesPerFrame);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    /// <param name="frames">Frames in all, split evenly across the streams.</param>
    private PipelineOptions PipelineOptionsFor(int streams, int maxBatch, bool allSinks, string output, int frames) => new()
    {
        Sources = Enumerable.Range(1, streams).Select(i => SourceSpec.Parse($"s{i}={options.Source}")).ToList(),
        OutputDirectory = output,
        ModelPath = options.ModelPath,
        Provider = options.Provider,
        IntraOpThreads = options.Threads,
        OrtSpinning = options.Spinning,
        MaxBatch = maxBatch,
        MaxFramesPerSource = Math.Max(1, frames / streams),
        WriteVideo = allSinks,
        WriteNdjson = allSinks,
        VideoPreset = options.VideoPreset,
    };

    /// <summary>
    /// The work VideoMtl adds per frame, each step timed alone on one thread with nothing else running:
    /// in the pipeline the same steps share the cores with ONNX Runtime's threads, so their wall times there
    /// include waiting for a core. Inference runs between the steps but is not timed.
    /// </summary>
    private HostWorkFigures MeasureHostWork(InferenceSessionOptions sessionOptions)
    {
        using var model = MultiTaskModel.Load(options.ModelPath, sessionOptions);
        var decoder = model.CreateDecoder();
        var tracker = new Core.Tracking.ObjectTracker(new Core.Tracking.TrackerOptions(), decoder.Confidence);
        var annotator = Core.Annotation.AnnotatorChain.Default();
        var detections = new Core.Results.Detections(Math.Max(1, model.Description.Keypoints));
        var input = new float[model.Letterbox.TensorLength];
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [1, 3, model.Description.InputHeight, model.Description.InputWidth]);
        using var capture = VideoFileReader.Open(options.Source);
        using var frame = new Mat();
        int frames = Math.Min(24, options.Frames);
        double pre = 0, post = 0, track = 0, overlay = 0;
        long objects = 0;
        for (int i = 0; i < frames + 1 && capture.Read(frame, out var info); i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var geometry = model.Letterbox.Apply(frame, input);
            long t1 = Stopwatch.GetTimestamp();
            using var outputs = model.Session.Run([tensor]);
            long t2 = Stopwatch.GetTimestamp();
            double trackMs = model.Decode(decoder, outputs, 0, 1, geometry, detections, tracker, info.TimestampMs / 1000);
            long t3 = Stopwatch.GetTimestamp();
            annotator.Annotate(frame, detections, model.Description);
            long t4 = Stopwatch.GetTimestamp();

            if (i > 0)
            {
                // frame 0 warms up the decoder's buffers
                pre += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                post += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds - trackMs;
                track += trackMs;
                overlay += Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
                objects += detections.Count;
            }
        }

        return new HostWorkFigures(frames, pre / frames, post / frames, track / frames, overlay / frames, objects / (double)frames);
    }

    private void Say(string step) => progress.WriteLine($"bench: {step} ...");
}
