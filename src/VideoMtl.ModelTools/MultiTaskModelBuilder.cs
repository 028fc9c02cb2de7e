using OpenCvSharp;
using Microsoft.ML.OnnxRuntime;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using VideoMtl.Core.Model;
using VideoMtl.Inference;
using VideoMtl.Vision;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>
/// Builds one multi-task model from Ultralytics-style segment, pose (and optionally detect) exports:
/// dequantizes, makes the batch symbolic, composes the heads behind one input, writes metadata, and
/// verifies the result with ONNX Runtime before anything is written.
/// </summary>
public sealed partial class MultiTaskModelBuilder
{
    /// <summary>Composite vs. standalone float head: the same arithmetic, so anything above this is a bug.</summary>
    public const double HeadTolerance = 1e-3;

    /// <summary>Batch of 4 vs. 4 single runs: kernels may sum in another order, nothing more.</summary>
    public const double BatchTolerance = 2e-2;

    /// <summary>float16 vs. float32, relative to the output's largest magnitude (plus a small absolute floor).</summary>
    public const double Float16RelativeTolerance = 1e-2;

    // COCO keypoints (the pose model's 17, in output order) and the limbs drawn between them.
    private static readonly string[] CocoKeypoints =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
        "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    private static readonly int[][] CocoSkeleton =
    [
        [15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8], [7, 9], [8, 10],
        [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6],
    ];

    private readonly ILogger? _logger;

    public MultiTaskModelBuilder(ILogger? logger = null)
    {
        _logger = logger;
    }

    public ModelBuildResult Build(ModelBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sources = new List<(string Task, string Path, string Prefix, Dictionary<string, string> Outputs)>
        {
            ("segment", request.SegmentModel, "seg", new() { ["output0"] = "seg_boxes", ["output1"] = "seg_protos" }),
            ("pose", request.PoseModel, "pose", new() { ["output0"] = "pose" }),
        };
        if (request.DetectModel is not null)
        {
            sources.Add(("detect", request.DetectModel, "det", new() { ["output0"] = "det_boxes" }));
        }

        string? outputDir = Path.GetDirectoryName(Path.GetFullPath(request.OutputPath));
        if (outputDir is null || !Directory.Exists(outputDir))
        {
            throw new DirectoryNotFoundException($"output folder does not exist: {outputDir} (create it first)");
        }

        var heads = new List<HeadGraph>();
        var originals = new List<byte[]>();
        var standalone = new List<byte[]>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        int convs = 0, reshapes = 0, removed = 0;
        foreach (var (task, path, prefix, outputs) in sources)
        {
            byte[] bytes = ReadModelFile(path, task);
            var model = ParseModel(bytes, path);
            var props = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            CheckTask(props, task, path);
            CheckOutputs(model, outputs.Keys, path, task);

            int rewritten = QuantizedConvRewriter.Rewrite(model.Graph);
            var (deadNodes, _) = DeadNodeEliminator.Run(model.Graph);
            int batchReshapes = BatchDimensionRewriter.Rewrite(model.Graph);
            // The reshapes now read new batch-agnostic shape tensors: the constants they read before are left
            // unread, and ONNX Runtime would warn about each of them at every session load.
            deadNodes += DeadNodeEliminator.Run(model.Graph).Nodes;
            model.MetadataProps.Clear();
            _logger?.LogInformation(
                "{Task}: {Convs} ConvInteger → Conv, {Dead} dead nodes removed, {Reshapes} reshapes made batch-agnostic",
                task, rewritten, deadNodes, batchReshapes);
            convs += rewritten;
            removed += deadNodes;
            reshapes += batchReshapes;

            originals.Add(bytes);
            standalone.Add(model.ToByteArray());
            heads.Add(new HeadGraph(prefix, model, outputs));
            MergeSourceMetadata(metadata, props, task, path, bytes);
        }

        var composite = GraphComposer.Compose(heads, "videomtl_multitask");
        // The pose network and the mask prototypes behind task gates: a batch nobody wants them for skips them.
        var gates = TaskGates.Apply(composite.Graph);
        _logger?.LogInformation("task gates: {Gates}", string.Join(", ", gates));
        var tasks = sources.Select(s => s.Task).ToList();
        int classes = CompleteMetadata(metadata, tasks, request.Float16);
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            composite.MetadataProps.Add(new Proto.StringStringEntryProto { Key = key, Value = value });
        }

        byte[] compositeBytes = composite.ToByteArray();
        var verification = Verify(compositeBytes, heads, standalone, originals, request.VerifyImages);
        if (request.Float16)
        {
            // The conversion works on one flat graph: the gates come off for it and go back on after.
            TaskGates.Inline(composite.Graph);
            int converted = Float16Converter.Convert(composite.Graph);
            TaskGates.Apply(composite.Graph);
            _logger?.LogInformation("float16: {Count} tensors converted", converted);
            byte[] halfBytes = composite.ToByteArray();
            verification = VerifyFloat16(compositeBytes, halfBytes, verification, request.VerifyImages, classes);
            compositeBytes = halfBytes;
        }

        ModelFile.WriteWhole(request.OutputPath, compositeBytes);
        return new ModelBuildResult(
            Path.GetFullPath(request.OutputPath),
            compositeBytes.Length,
            tasks,
            composite.Graph.Output.Select(o => o.Name).ToList(),
            convs,
            reshapes,
            removed,
            verification);
    }

    private static byte[] ReadModelFile(string path, string task)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{task} model not found: {path}");
        }

        return File.ReadAllBytes(path);
    }

    private static Proto.ModelProto ParseModel(byte[] bytes, string path)
    {
        try
        {
            var model = Proto.ModelProto.Parser.ParseFrom(bytes);
            return model.Graph is null || model.Graph.Node.Count == 0
                ? throw new InvalidDataException($"{path} is not an ONNX model (no graph)")
                : model;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path} is not an ONNX model: {e.Message}");
        }
    }

    private static void CheckTask(Dictionary<string, string> props, string task, string path)
    {
        if (props.TryGetValue("task", out string? declared) && declared != task)
        {
            throw new InvalidDataException($"{path} is a '{declared}' model (its metadata says so), but it was given as the {task} model");
        }
    }

    private static void CheckOutputs(Proto.ModelProto model, IEnumerable<string> expected, string path, string task)
    {
        var actual = model.Graph.Output.Select(o => o.Name).ToList();
        if (!actual.OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(expected.OrderBy(n => n, StringComparer.Ordinal)))
        {
            throw new InvalidDataException(
                $"{path} has outputs [{string.Join(", ", actual)}], but a {task} export has [{string.Join(", ", expected)}]");
        }
    }

    /// <summary>
    /// The model contract's metadata for a model holding these exports' outputs (seg_boxes, seg_protos, pose and,
    /// with a detection export, det_boxes), as <see cref="Build"/> writes it: what a model made another way (the
    /// shared-backbone model of <c>model distill</c>) carries too, without building a composite to copy it from.
    /// </summary>
    public static Dictionary<string, string> ContractMetadata(string segmentModel, string poseModel, string? detectModel = null)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new List<(string Task, string Path)> { ("segment", segmentModel), ("pose", poseModel) };
        if (detectModel is not null)
        {
            sources.Add(("detect", detectModel));
        }

        foreach (var (task, path) in sources)
        {
            byte[] bytes = ReadModelFile(path, task);
            var props = ParseModel(bytes, path).MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            CheckTask(props, task, path);
            MergeSourceMetadata(metadata, props, task, path, bytes);
        }

        CompleteMetadata(metadata, [.. sources.Select(s => s.Task)], float16: false);
        return metadata;
    }

    /// <summary>The keys that follow from the tasks once every source's own are merged; returns the class count.</summary>
    private static int CompleteMetadata(Dictionary<string, string> metadata, IReadOnlyList<string> tasks, bool float16)
    {
        metadata[ModelMetadataKeys.Format] = "1";
        metadata[ModelMetadataKeys.Tasks] = string.Join(',', tasks);
        int classes = JsonSerializer.Deserialize<Dictionary<string, string>>(metadata[ModelMetadataKeys.Names])!.Count;
        metadata[ModelMetadataKeys.Outputs] = DescribeOutputs(tasks.Contains("detect"), classes);
        metadata[ModelMetadataKeys.KeypointNames] = JsonSerializer.Serialize(CocoKeypoints);
        metadata[ModelMetadataKeys.Skeleton] = JsonSerializer.Serialize(CocoSkeleton);
        metadata[ModelMetadataKeys.Precision] = float16 ? "fp16" : "fp32";
        return classes;
    }

    private static void MergeSourceMetadata(Dictionary<string, string> metadata, Dictionary<string, string> props, string task, string path, byte[] bytes)
    {
        metadata[$"{ModelMetadataKeys.SourcePrefix}{task}.file"] = Path.GetFileName(path);
        metadata[$"{ModelMetadataKeys.SourcePrefix}{task}.sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (props.TryGetValue("imgsz", out string? size))
        {
            if (metadata.TryGetValue(ModelMetadataKeys.ImageSize, out string? previous) && previous != size)
            {
                throw new InvalidDataException($"{path} takes {size} images but the other heads take {previous}");
            }

            metadata[ModelMetadataKeys.ImageSize] = size;
        }

        if (props.TryGetValue("stride", out string? stride))
        {
            metadata[ModelMetadataKeys.Stride] = stride;
        }

        if (task == "pose")
        {
            metadata[ModelMetadataKeys.KeypointShape] = props.GetValueOrDefault("kpt_shape", "[17, 3]");
            metadata["videomtl.pose_names"] = JsonSerializer.Serialize(ParseNames(props.GetValueOrDefault("names", "{0: 'person'}")));
        }
        else if (!metadata.ContainsKey(ModelMetadataKeys.Names) && props.TryGetValue("names", out string? names))
        {
            metadata[ModelMetadataKeys.Names] = JsonSerializer.Serialize(ParseNames(names));
        }

        if (props.TryGetValue("license", out string? license))
        {
            metadata["license"] = license;
        }
    }

    /// <summary>Ultralytics writes names as a Python dict literal: {0: 'person', 1: 'bicycle', ...}.</summary>
    internal static SortedDictionary<string, string> ParseNames(string text)
    {
        var names = new SortedDictionary<string, string>(Comparer<string>.Create((a, b) => int.Parse(a, CultureInfo.InvariantCulture).CompareTo(int.Parse(b, CultureInfo.InvariantCulture))));
        foreach (Match m in PythonDictEntry().Matches(text))
        {
            names[m.Groups["id"].Value] = m.Groups["name"].Value;
        }

        return names.Count > 0 ? names : throw new InvalidDataException($"cannot read class names from '{text}'");
    }

    private static string DescribeOutputs(bool withDetect, int classes)
    {
        var outputs = new Dictionary<string, object>
        {
            ["seg_boxes"] = new { task = "segment", kind = "boxes", layout = "xywh+scores+coefficients", classes, mask_coefficients = 32 },
            ["seg_protos"] = new { task = "segment", kind = "prototypes", layout = "coefficients×h×w" },
            ["pose"] = new { task = "pose", kind = "boxes", layout = "xywh+scores+keypoints", classes = 1, keypoints = 17, values_per_keypoint = 3 },
        };
        if (withDetect)
        {
            outputs["det_boxes"] = new { task = "detect", kind = "boxes", layout = "xywh+scores", classes };
        }

        return JsonSerializer.Serialize(outputs);
    }

    private List<HeadVerification> Verify(
        byte[] composite, List<HeadGraph> heads, List<byte[]> standalone, List<byte[]> originals, IReadOnlyList<string> images)
    {
        var quiet = new InferenceSessionOptions { LogLevel = OrtLogLevel.Error };
        using var compositeSession = ModelSession.Create(composite, quiet);
        var (height, width) = InputSize(compositeSession);
        float[] single = LetterboxedInput(images, width, height, 0);
        var batch = Enumerable.Range(0, 4).SelectMany(i => LetterboxedInput(images, width, height, i)).ToArray();

        var compositeSingle = RunAll(compositeSession, single, 1, width, height);
        var compositeBatch = RunAll(compositeSession, batch, 4, width, height);
        var compositeSingles = Enumerable.Range(0, 4)
            .Select(i => RunAll(compositeSession, batch.AsSpan(i * 3 * width * height, 3 * width * height).ToArray(), 1, width, height))
            .ToList();

        var results = new List<HeadVerification>();
        for (int h = 0; h < heads.Count; h++)
        {
            using var floatHead = ModelSession.Create(standalone[h], quiet);
            using var source = ModelSession.Create(originals[h], quiet);
            var floatOut = RunAll(floatHead, single, 1, width, height);
            var sourceOut = RunAll(source, single, 1, width, height);
            foreach (var (sourceName, compositeName) in heads[h].OutputNames)
            {
                double toFloat = MaxAbsDiff(compositeSingle[compositeName], floatOut[sourceName]);
                double toSource = MaxAbsDiff(compositeSingle[compositeName], sourceOut[sourceName]);
                double batchDiff = 0;
                int per = compositeBatch[compositeName].Length / 4;
                for (int i = 0; i < 4; i++)
                {
                    batchDiff = Math.Max(batchDiff, MaxAbsDiff(compositeBatch[compositeName].AsSpan(i * per, per), compositeSingles[i][compositeName]));
                }

                results.Add(new HeadVerification(compositeName, toFloat, toSource, batchDiff));
                if (toFloat > HeadTolerance)
                {
                    throw new InvalidDataException($"verification failed: composite output {compositeName} differs from the standalone head by {toFloat:G3} (limit {HeadTolerance})");
                }

                if (batchDiff > BatchTolerance)
                {
                    throw new InvalidDataException($"verification failed: {compositeName} for a batch of 4 differs from single runs by {batchDiff:G3} (limit {BatchTolerance}); the batch dimension is not symbolic everywhere");
                }
            }
        }

        return results;
    }

    /// <summary>
    /// float16 vs float32 over what can become a result: every prototype value, and every channel of the
    /// anchors whose best float32 score reaches 0.1 (junk anchors far below the threshold are not compared).
    /// </summary>
    private static List<HeadVerification> VerifyFloat16(byte[] full, byte[] half, List<HeadVerification> verification, IReadOnlyList<string> images, int classes)
    {
        var quiet = new InferenceSessionOptions { LogLevel = OrtLogLevel.Error };
        using var fullSession = ModelSession.Create(full, quiet);
        using var halfSession = ModelSession.Create(half, quiet);
        var (height, width) = InputSize(fullSession);
        float[] input = LetterboxedInput(images, width, height, 0);
        var expected = RunAll(fullSession, input, 1, width, height);
        var actual = RunAll(halfSession, input, 1, width, height);
        var result = new List<HeadVerification>();
        foreach (var v in verification)
        {
            int scores = v.Output switch { "pose" => 1, "seg_protos" => 0, _ => classes };
            double diff = scores == 0
                ? MaxAbsDiff(actual[v.Output], expected[v.Output])
                : MaxAbsDiffAtLikelyAnchors(actual[v.Output], expected[v.Output], scores, anchors: fullSession.Outputs.Single(o => o.Name == v.Output).Shape[2]);
            double limit = (Float16RelativeTolerance * expected[v.Output].Max(MathF.Abs)) + 0.05;
            if (diff > limit)
            {
                throw new InvalidDataException($"verification failed: the float16 {v.Output} differs from float32 by {diff:G3} (limit {limit:G3})");
            }

            result.Add(v with { MaxDiffFloat16 = diff });
        }

        return result;
    }

    private static (int Height, int Width) InputSize(ModelSession session)
    {
        var shape = session.Inputs[0].Shape;
        return shape.Count == 4 && shape[2] > 0 && shape[3] > 0
            ? ((int)shape[2], (int)shape[3])
            : throw new InvalidDataException($"model input {session.Inputs[0]} is not [batch,3,H,W]");
    }

    private static Dictionary<string, float[]> RunAll(ModelSession session, float[] input, int batch, int width, int height)
    {
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, height, width]);
        using var outputs = session.Run([tensor]);
        return session.Outputs.Select((o, i) => (o.Name, Data: outputs[i].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(p => p.Name, p => p.Data, StringComparer.Ordinal);
    }

    /// <summary>Image <paramref name="index"/> of the verification set, letterboxed; synthetic when no image is given.</summary>
    private static float[] LetterboxedInput(IReadOnlyList<string> images, int width, int height, int index)
    {
        var transform = new LetterboxTransform(width, height);
        var tensor = new float[transform.TensorLength];
        if (images.Count > 0)
        {
            using var image = ImageFile.Read(images[index % images.Count]);
            transform.Apply(image, tensor);
            if (index >= images.Count)
            {
                // Repeated images are mirrored so the four batch entries still differ.
                for (int plane = 0; plane < 3; plane++)
                {
                    for (int y = 0; y < height; y++)
                    {
                        tensor.AsSpan((plane * width * height) + (y * width), width).Reverse();
                    }
                }
            }

            return tensor;
        }

        var random = new Random(1234 + index);
        for (int i = 0; i < tensor.Length; i++)
        {
            tensor[i] = random.NextSingle();
        }

        return tensor;
    }

    private static double MaxAbsDiffAtLikelyAnchors(float[] actual, float[] expected, int scores, long anchors)
    {
        int n = (int)anchors;
        int channels = expected.Length / n;
        double max = 0;
        for (int a = 0; a < n; a++)
        {
            float best = 0;
            for (int c = 4; c < 4 + scores; c++)
            {
                best = Math.Max(best, expected[(c * n) + a]);
            }

            if (best < 0.1f)
            {
                continue;
            }

            for (int c = 0; c < channels; c++)
            {
                max = Math.Max(max, Math.Abs(actual[(c * n) + a] - expected[(c * n) + a]));
            }
        }

        return max;
    }

    private static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            return double.PositiveInfinity;
        }

        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    [GeneratedRegex(@"(?<id>\d+)\s*:\s*(?<q>['""])(?<name>.*?)\k<q>")]
    private static partial Regex PythonDictEntry();
}
