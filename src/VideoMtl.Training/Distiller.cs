using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using VideoMtl.Inference;
using VideoMtl.ModelTools;
using static TorchSharp.torch;

namespace VideoMtl.Training;

/// <summary>
/// <c>model distill</c>: one model with one backbone. The segmentation network stays frozen (its outputs are
/// the source's, so adding pose forgets nothing); per neck level an adapter learns to turn its features into the
/// pose network's features at that level, on unlabeled frames; the pose network's own head then reads the adapted
/// features. The three levels' errors are combined by learned uncertainty weighting. The result is written as
/// one ONNX model that the runtime reads like any other (the model contract's metadata, plus
/// <c>videomtl.architecture=shared</c> and how it was trained).
/// </summary>
public static class Distiller
{
    public static DistillResult Run(DistillRequest request, Action<string>? log = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var clock = Stopwatch.StartNew();
        manual_seed(request.Seed);
        var sessionOptions = new InferenceSessionOptions { LogLevel = OrtLogLevel.Error };
        using var features = FeatureSet.Extract(request.Segment, request.Pose, request.Data, request.Every, request.Mirror, request.MaxFramesPerSource, sessionOptions,
            n => { if (n % 50 == 0) { log?.Invoke($"features: {n} samples"); } });
        var extraction = clock.Elapsed;
        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"features: {features.Count} samples in {extraction.TotalSeconds:0} s"));

        var levels = FeatureSet.Levels;
        var adapters = levels.Select(l => new NeckAdapter(l.Channels)).ToArray();
        using var weighting = new UncertaintyWeighting(levels.Count);
        int resumed = Resume(request.Checkpoint, adapters, weighting);
        var variance = levels.Select((_, l) => TargetVariance(features, l)).ToArray();
        using var optimizer = optim.Adam(adapters.SelectMany(a => a.parameters()).Concat(weighting.parameters()), request.LearningRate);
        var epochs = new List<EpochReport>();
        var training = Stopwatch.StartNew();
        for (int epoch = resumed + 1; epoch <= request.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var started = Stopwatch.StartNew();
            var order = Enumerable.Range(0, features.Count).ToArray();
            new Random(request.Seed + epoch).Shuffle(order);
            var sums = new double[levels.Count];
            int steps = 0;
            for (int b = 0; b < order.Length; b += request.BatchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = order.Skip(b).Take(request.BatchSize).ToArray();
                optimizer.zero_grad();
                var losses = new Tensor[levels.Count];
                for (int l = 0; l < levels.Count; l++)
                {
                    var (channels, side) = levels[l];
                    var input = stack(batch.Select(i => tensor(features.Input(i)[l], [channels, side, side])).ToArray());
                    var target = stack(batch.Select(i => tensor(features.Target(i)[l], [channels, side, side])).ToArray());
                    losses[l] = nn.functional.mse_loss(adapters[l].forward(input), target) / variance[l];
                    sums[l] += losses[l].item<float>();
                }

                weighting.forward(stack(losses)).backward();
                optimizer.step();
                steps++;
            }

            var report = new EpochReport(epoch, sums.Select(s => s / steps).ToList(), weighting.Weights(), started.Elapsed);
            epochs.Add(report);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{request.Epochs}: error p3 {report.LevelError[0]:0.000} p4 {report.LevelError[1]:0.000} p5 {report.LevelError[2]:0.000}, weights {string.Join(" ", report.TaskWeights.Select(w => w.ToString("0.00", CultureInfo.InvariantCulture)))}, {report.Took.TotalSeconds:0} s"));
            Save(request.Checkpoint, adapters, weighting, epoch);
        }

        var trained = training.Elapsed;
        long bytes = Export(request, adapters, features.Count, epochs);
        foreach (var adapter in adapters)
        {
            adapter.Dispose();
        }

        return new DistillResult(Path.GetFullPath(request.Output), bytes, features.Count, resumed, epochs, extraction, trained);
    }

    /// <summary>Writes the shared model: the composite's metadata (built and verified by model build), marked shared.</summary>
    private static long Export(DistillRequest request, NeckAdapter[] adapters, int samples, List<EpochReport> epochs)
    {
        string composite = request.Output + ".composite.partial";
        Dictionary<string, string> metadata;
        try
        {
            new MultiTaskModelBuilder().Build(new ModelBuildRequest(request.Segment, request.Pose, null, composite, [], false));
            using var session = ModelSession.Create(composite);
            metadata = session.CustomMetadata.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        }
        finally
        {
            File.Delete(composite);
        }

        var c = CultureInfo.InvariantCulture;
        metadata["videomtl.architecture"] = "shared";
        metadata["videomtl.distill.samples"] = samples.ToString(c);
        metadata["videomtl.distill.epochs"] = request.Epochs.ToString(c);
        metadata["videomtl.distill.batch"] = request.BatchSize.ToString(c);
        metadata["videomtl.distill.learning_rate"] = request.LearningRate.ToString(c);
        metadata["videomtl.distill.seed"] = request.Seed.ToString(c);
        metadata["videomtl.distill.data"] = string.Join(',', request.Data.Select(Path.GetFileName));
        if (epochs.Count > 0)
        {
            metadata["videomtl.distill.final_error"] = string.Join(',', epochs[^1].LevelError.Select(e => e.ToString("0.0000", c)));
        }

        byte[] model = SharedModelComposer.Compose(
            request.Segment, new Dictionary<string, string> { ["output0"] = "seg_boxes", ["output1"] = "seg_protos" }, request.Pose, "pose",
            [.. adapters.Select(a => a.Export())], metadata);
        string temporary = request.Output + ".partial";
        File.WriteAllBytes(temporary, model);
        File.Move(temporary, request.Output, overwrite: true);
        return model.Length;
    }

    private static float TargetVariance(FeatureSet features, int level)
    {
        double sum = 0, squares = 0;
        long count = 0;
        for (int i = 0; i < features.Count; i++)
        {
            foreach (float v in features.Target(i)[level])
            {
                sum += v;
                squares += (double)v * v;
                count++;
            }
        }

        double mean = sum / count;
        return (float)Math.Max((squares / count) - (mean * mean), 1e-6);
    }

    private static int Resume(string? checkpoint, NeckAdapter[] adapters, UncertaintyWeighting weighting)
    {
        if (checkpoint is null || !File.Exists(EpochFile(checkpoint)))
        {
            return 0;
        }

        for (int l = 0; l < adapters.Length; l++)
        {
            adapters[l].load(LevelFile(checkpoint, l));
        }

        weighting.load(checkpoint + ".weighting");
        return int.Parse(File.ReadAllText(EpochFile(checkpoint)), CultureInfo.InvariantCulture);
    }

    private static void Save(string? checkpoint, NeckAdapter[] adapters, UncertaintyWeighting weighting, int epoch)
    {
        if (checkpoint is null)
        {
            return;
        }

        for (int l = 0; l < adapters.Length; l++)
        {
            adapters[l].save(LevelFile(checkpoint, l));
        }

        weighting.save(checkpoint + ".weighting");
        // Written last: a checkpoint counts only once every part of it is on disk.
        File.WriteAllText(EpochFile(checkpoint), epoch.ToString(CultureInfo.InvariantCulture));
    }

    private static string LevelFile(string checkpoint, int level) => string.Create(CultureInfo.InvariantCulture, $"{checkpoint}.p{level + 3}");

    private static string EpochFile(string checkpoint) => checkpoint + ".epoch";
}
