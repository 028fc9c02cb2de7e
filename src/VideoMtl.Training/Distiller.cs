using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using VideoMtl.Inference;
using VideoMtl.ModelTools;
using VideoMtl.ModelTools.Evaluation;
using static TorchSharp.torch;

namespace VideoMtl.Training;

/// <summary>
/// <c>model distill</c>: one model with one backbone. The segmentation network stays frozen (its outputs are
/// the source's, so adding pose forgets nothing) and gives the persons' boxes and scores; a keypoint branch on its
/// neck, started from the pose network's own (behind a 1×1 adapter started by least squares), learns to put
/// each person's keypoints where the pose network (the teacher) puts them, at the anchors the segmentation head
/// picks for that person. Two losses, combined by learned uncertainty weighting: keypoint position (1 − OKS, the
/// measure <c>model evaluate</c> reports) and visibility. The result is one ONNX model that the runtime reads like
/// any other (the model contract's metadata, plus <c>videomtl.architecture=shared</c> and how it was trained).
/// </summary>
public static class Distiller
{
    public static DistillResult Run(
        DistillRequest request, Action<string>? log = null, Action<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var clock = Stopwatch.StartNew();
        manual_seed(request.Seed);
        var set = Examples(request, log);
        var extraction = clock.Elapsed;
        var samples = set.Samples;
        if (samples.Count == 0)
        {
            throw new InvalidDataException("the teacher found no persons in the training data: give footage with people in it (--data)");
        }

        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"examples: {set.Views} views, {set.Persons} teacher persons, {samples.Count} anchors (P3 {Count(samples, 0)}, P4 {Count(samples, 1)}, P5 {Count(samples, 2)}) in {extraction.TotalSeconds:0} s"));

        var levels = KeypointBranch.Extract(request.Pose).Select(b => new KeypointBranchLevel(b)).ToArray();
        using var weighting = new UncertaintyWeighting(2);
        int resumed = Resume(request.Checkpoint, levels, weighting);
        if (resumed == 0)
        {
            for (int l = 0; l < levels.Length; l++)
            {
                if (LeastSquaresAdapter(samples.Where(s => s.Level == l).ToList(), levels[l].Channels) is { } start)
                {
                    using (start.Map)
                    {
                        levels[l].StartAdapter(start.Map);
                    }

                    log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"adapter p{l + 3}: least-squares start explains {start.Explained:P0} of the pose neck's variance"));
                }
            }
        }

        using var optimizer = new ExplicitScalarAdam(levels.SelectMany(a => a.parameters()).Concat(weighting.parameters()), request.LearningRate);
        using var kappa = tensor(KeypointSimilarity.CocoSigmas.Select(s => 2 * s).ToArray()).view(1, -1);
        // Explicit Scalars, alive for the whole loop (see ExplicitScalarAdam for why no implicit ones).
        using var constants = new LossConstants();
        var epochs = new List<EpochReport>();
        var training = Stopwatch.StartNew();
        int steps = (samples.Count + request.BatchSize - 1) / request.BatchSize;
        int totalSteps = (request.Epochs - resumed) * steps, done = 0;
        for (int epoch = resumed + 1; epoch <= request.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var started = Stopwatch.StartNew();
            var order = Enumerable.Range(0, samples.Count).ToArray();
            new Random(request.Seed + epoch).Shuffle(order);
            double position = 0, visibility = 0, oks = 0;
            for (int step = 0; step < steps; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = order.AsSpan(step * request.BatchSize, Math.Min(request.BatchSize, samples.Count - (step * request.BatchSize))).ToArray();
                optimizer.ZeroGrad();
                var (positionLoss, visibilityLoss, batchOks) = Losses(levels, [.. batch.Select(i => samples[i])], kappa, constants);
                weighting.forward(stack([positionLoss, visibilityLoss])).backward();
                optimizer.Step();
                position += positionLoss.item<float>();
                visibility += visibilityLoss.item<float>();
                oks += batchOks;
                done++;
                var left = TimeSpan.FromSeconds(training.Elapsed.TotalSeconds / done * (totalSteps - done));
                progress?.Invoke(new TrainingProgress(epoch, request.Epochs, step + 1, steps, position / (step + 1), oks / (step + 1), left));
            }

            var report = new EpochReport(epoch, position / steps, visibility / steps, oks / steps, weighting.Weights(), started.Elapsed);
            epochs.Add(report);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{request.Epochs}: OKS {report.Oks:0.000}, position loss {report.PositionLoss:0.0000}, visibility loss {report.VisibilityLoss:0.0000}, weights {string.Join(" ", report.TaskWeights.Select(w => w.ToString("0.00", CultureInfo.InvariantCulture)))}, {report.Took.TotalSeconds:0} s"));
            Save(request.Checkpoint, levels, weighting, epoch);
        }

        var trained = training.Elapsed;
        long bytes = Export(request, levels, set, epochs);
        foreach (var level in levels)
        {
            level.Dispose();
        }

        return new DistillResult(Path.GetFullPath(request.Output), bytes, set.Views, samples.Count, resumed, epochs, extraction, trained);
    }

    /// <summary>
    /// The training examples: made with ONNX Runtime (minutes), or read back from beside the checkpoint when the same
    /// exports, data and settings made them before (a resumed or repeated run starts training at once).
    /// </summary>
    private static AnchorSet Examples(DistillRequest request, Action<string>? log)
    {
        string key = AnchorSet.Key(request);
        string? path = request.Checkpoint is null ? null : request.Checkpoint + ".examples";
        if (path is not null && AnchorSet.Load(path, key) is { } saved)
        {
            log?.Invoke($"examples: read back from {path}");
            return saved;
        }

        int reported = 0;
        var set = AnchorSet.Extract(request, new InferenceSessionOptions { LogLevel = OrtLogLevel.Error }, views =>
        {
            if (views / 100 > reported / 100)
            {
                log?.Invoke($"examples: {views} views");
            }

            reported = views;
        });
        if (path is not null)
        {
            set.Save(path, key);
        }

        return set;
    }

    /// <summary>The batch's position loss (1 − OKS per keypoint the teacher sees), visibility loss, and mean OKS.</summary>
    internal static (Tensor Position, Tensor Visibility, double Oks) Losses(KeypointBranchLevel[] levels, AnchorSample[] batch, Tensor kappa, LossConstants constants)
    {
        var raws = new List<Tensor>();
        var ordered = new List<AnchorSample>();
        for (int l = 0; l < levels.Length; l++)
        {
            var at = batch.Where(s => s.Level == l).ToArray();
            if (at.Length == 0)
            {
                continue;
            }

            int channels = levels[l].Channels, side = AnchorSample.WindowSide;
            var windows = tensor(at.SelectMany(s => s.Window).ToArray(), [at.Length, channels, side, side]);
            var inside = tensor(at.SelectMany(s => s.Inside).ToArray(), [at.Length, 1, 3, 3]);
            raws.Add(levels[l].forward(windows, inside));
            ordered.AddRange(at);
        }

        int n = ordered.Count, k = ordered[0].Keypoints.Length / 3;
        var raw = cat(raws, 0).view(n, k, 3);
        var target = tensor(ordered.SelectMany(s => s.Keypoints).ToArray(), [n, k, 3]);
        var gridX = tensor(ordered.Select(s => (float)s.GridX).ToArray()).view(n, 1);
        var gridY = tensor(ordered.Select(s => (float)s.GridY).ToArray()).view(n, 1);
        var stride = tensor(ordered.Select(s => (float)s.Stride).ToArray()).view(n, 1);
        var area = tensor(ordered.Select(s => s.Area).ToArray()).view(n, 1);

        // Decoded as the pose export decodes: (raw·2 + grid)·stride, in input pixels.
        // Explicit Scalars only, alpha included (see ExplicitScalarAdam).
        var one = constants.One;
        var x = raw.select(2, 0).mul(constants.Two).add(gridX, one).mul(stride);
        var y = raw.select(2, 1).mul(constants.Two).add(gridY, one).mul(stride);
        var squared = x.sub(target.select(2, 0)).square().add(y.sub(target.select(2, 1)).square(), one);
        var similarity = exp(-squared / area.mul(constants.Two).mul(kappa.square()));
        var seen = target.select(2, 2).ge(constants.Half).to_type(ScalarType.Float32);
        var count = seen.sum().clamp_min(one);
        var positionLoss = similarity.neg().add(one, one).mul(seen).sum() / count;
        var visibilityLoss = nn.functional.binary_cross_entropy_with_logits(raw.select(2, 2), target.select(2, 2));
        double oks = ((similarity * seen).sum() / count).item<float>();
        return (positionLoss, visibilityLoss, oks);
    }

    /// <summary>
    /// The 1×1 map that best turns the segmentation neck's features into the pose neck's at the training anchors
    /// (ridge regression), so the teacher's branch starts on features close to its own; null with too few anchors.
    /// </summary>
    internal static (Tensor Map, double Explained)? LeastSquaresAdapter(IReadOnlyList<AnchorSample> samples, int channels)
    {
        if (samples.Count < channels)
        {
            return null;
        }

        using var scope = NewDisposeScope();
        int centre = (AnchorSample.WindowSide * AnchorSample.WindowSide) / 2;
        int area = AnchorSample.WindowSide * AnchorSample.WindowSide;
        var x = tensor(samples.SelectMany(s => Enumerable.Range(0, channels).Select(c => s.Window[(c * area) + centre])).ToArray(), [samples.Count, channels]).to_type(ScalarType.Float64);
        var y = tensor(samples.SelectMany(s => s.TeacherFeature).ToArray(), [samples.Count, channels]).to_type(ScalarType.Float64);
        var gram = x.t().matmul(x);
        using var one = 1.0.ToScalar(); // explicit Scalars only, alpha included (see ExplicitScalarAdam)
        using var share = (1e-3 / channels).ToScalar();
        var ridge = gram.trace().mul(share);
        var solution = linalg.solve(gram.add(eye(channels, dtype: ScalarType.Float64).mul(ridge), one), x.t().matmul(y)); // [in, out]
        var residual = y.sub(x.matmul(solution)).square().sum();
        var total = y.sub(y.mean([0], keepdim: true)).square().sum();
        double explained = 1 - (residual / total).item<double>();
        return (solution.t().to_type(ScalarType.Float32).contiguous().MoveToOuterDisposeScope(), explained);
    }

    /// <summary>Writes the shared model: the model contract's metadata for these sources, marked shared, with how it was trained.</summary>
    private static long Export(DistillRequest request, KeypointBranchLevel[] levels, AnchorSet set, List<EpochReport> epochs)
    {
        var metadata = MultiTaskModelBuilder.ContractMetadata(request.Segment, request.Pose);
        var c = CultureInfo.InvariantCulture;
        metadata["videomtl.architecture"] = "shared";
        metadata["videomtl.distill.views"] = set.Views.ToString(c);
        metadata["videomtl.distill.anchors"] = set.Samples.Count.ToString(c);
        metadata["videomtl.distill.epochs"] = request.Epochs.ToString(c);
        metadata["videomtl.distill.batch"] = request.BatchSize.ToString(c);
        metadata["videomtl.distill.learning_rate"] = request.LearningRate.ToString(c);
        metadata["videomtl.distill.seed"] = request.Seed.ToString(c);
        metadata["videomtl.distill.every"] = request.Every.ToString(c);
        metadata["videomtl.distill.views_per_frame"] = ((request.Mirror ? 2 : 1) + request.RandomViews).ToString(c);
        metadata["videomtl.distill.anchors_per_person"] = request.AnchorsPerPerson.ToString(c);
        metadata["videomtl.distill.data"] = string.Join(',', request.Data.Select(Path.GetFileName));
        if (epochs.Count > 0)
        {
            metadata["videomtl.distill.final_train_oks"] = epochs[^1].Oks.ToString("0.0000", c);
        }

        byte[] model = SharedModelComposer.Compose(
            request.Segment, new Dictionary<string, string> { ["output0"] = "seg_boxes", ["output1"] = "seg_protos" }, "output0", "pose",
            [.. levels.Select(l => l.Export())], metadata);
        ModelFile.WriteWhole(request.Output, model);
        return model.Length;
    }

    private static int Count(IReadOnlyList<AnchorSample> samples, int level) => samples.Count(s => s.Level == level);

    private static int Resume(string? checkpoint, KeypointBranchLevel[] levels, UncertaintyWeighting weighting)
    {
        if (checkpoint is null || !File.Exists(EpochFile(checkpoint)))
        {
            return 0;
        }

        for (int l = 0; l < levels.Length; l++)
        {
            levels[l].load(LevelFile(checkpoint, l));
        }

        weighting.load(checkpoint + ".weighting");
        return int.Parse(File.ReadAllText(EpochFile(checkpoint)), CultureInfo.InvariantCulture);
    }

    private static void Save(string? checkpoint, KeypointBranchLevel[] levels, UncertaintyWeighting weighting, int epoch)
    {
        if (checkpoint is null)
        {
            return;
        }

        for (int l = 0; l < levels.Length; l++)
        {
            levels[l].save(LevelFile(checkpoint, l));
        }

        weighting.save(checkpoint + ".weighting");
        // Written last: a checkpoint counts only once every part of it is on disk.
        File.WriteAllText(EpochFile(checkpoint), epoch.ToString(CultureInfo.InvariantCulture));
    }

    private static string LevelFile(string checkpoint, int level) => string.Create(CultureInfo.InvariantCulture, $"{checkpoint}.p{level + 3}");

    private static string EpochFile(string checkpoint) => checkpoint + ".epoch";

    /// <summary>The loss's constants as Scalars that live as long as the training loop (see where it is made).</summary>
    internal sealed class LossConstants : IDisposable
    {
        public Scalar One { get; } = 1f.ToScalar();

        public Scalar Two { get; } = 2f.ToScalar();

        public Scalar Half { get; } = 0.5f.ToScalar();

        public void Dispose()
        {
            One.Dispose();
            Two.Dispose();
            Half.Dispose();
        }
    }
}
