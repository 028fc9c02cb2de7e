using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using VideoMtl.Core.Decoding;
using VideoMtl.Inference;
using VideoMtl.ModelTools;
using VideoMtl.ModelTools.Evaluation;
using VideoMtl.Vision;

namespace VideoMtl.Training;

/// <summary>
/// The training examples, made once with ONNX Runtime from the dequantized exports: for every view of every
/// training frame, the teacher's persons (pose network, score ≥ 0.25, after NMS) and the anchors where the
/// segmentation head sees each of them (its person score ≥ 0.25, its box overlapping the teacher's by IoU ≥ 0.5;
/// the best <c>perPerson</c> by score, since one of those wins the runtime's NMS). The pose output's boxes and
/// scores are the segmentation head's in the shared model, so these are the anchors whose keypoints get read.
/// Videos give their first 80% (the last 20% is held out for <c>model evaluate --held-out</c>); images are all used.
/// </summary>
public sealed class AnchorSet
{
    /// <summary>The heads' anchors at the exports' 640² input: the neck maps P3, P4, P5.</summary>
    public static readonly AnchorLayout Layout = new(640, 640, 3);

    private const float PersonScore = 0.25f;
    private const float MatchIoU = 0.5f;
    private static readonly int Anchors = Layout.Count;

    /// <summary>Changes whenever what an example holds, or how it is chosen, changes: older saved sets are then made afresh.</summary>
    private const int FormatVersion = 1;

    private readonly List<AnchorSample> _samples = [];

    public IReadOnlyList<AnchorSample> Samples => _samples;

    /// <summary>Views the examples came from (frames × views).</summary>
    public int Views { get; private set; }

    /// <summary>Teacher persons seen in them.</summary>
    public int Persons { get; private set; }

    public static AnchorSet Extract(DistillRequest request, InferenceSessionOptions? sessionOptions = null, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var set = new AnchorSet();
        using var student = ModelSession.Create(NeckFeatures.Expose(request.Segment, out _), sessionOptions);
        using var teacher = ModelSession.Create(NeckFeatures.Expose(request.Pose, out _), sessionOptions);
        var letterbox = new LetterboxTransform(640, 640);
        var input = new float[letterbox.TensorLength];
        var rng = new Random(request.Seed);
        foreach (string source in request.Data)
        {
            int taken = 0;
            foreach (var frame in TrainingFrames(source, request.Every))
            {
                using (frame)
                {
                    if (taken++ >= (request.MaxFramesPerSource ?? int.MaxValue))
                    {
                        break;
                    }

                    foreach (var view in Augmentation.Views(frame, request.Mirror, request.RandomViews, rng))
                    {
                        using (view)
                        {
                            set.Add(view, student, teacher, letterbox, input, request.AnchorsPerPerson);
                        }
                    }

                    progress?.Invoke(set.Views);
                }
            }
        }

        return set.Views > 0 ? set : throw new InvalidDataException("no training frames: give videos or images with --data");
    }

    /// <summary>
    /// What the examples depend on: the exports' and the data's bytes (size and time written, for the videos), and
    /// every setting that changes which views and anchors are taken. A saved set is reused only under the same key.
    /// </summary>
    public static string Key(DistillRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        Add(FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (string model in new[] { request.Segment, request.Pose })
        {
            hash.AppendData(File.ReadAllBytes(model));
        }

        foreach (string source in request.Data)
        {
            var files = Directory.Exists(source) ? Directory.EnumerateFiles(source).Where(ImageFile.IsImage).Order(StringComparer.Ordinal).ToList() : [source];
            foreach (string file in files.Where(File.Exists))
            {
                var info = new FileInfo(file);
                Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetFullPath(file)} {info.Length} {info.LastWriteTimeUtc.Ticks}"));
            }
        }

        Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{request.Every} {request.Mirror} {request.RandomViews} {request.AnchorsPerPerson} {request.Seed} {request.MaxFramesPerSource}"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes the set under <paramref name="key"/> (to a temporary file first: a file there is always whole).</summary>
    public void Save(string path, string key)
    {
        string temporary = path + ".partial";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(key);
            writer.Write(Views);
            writer.Write(Persons);
            writer.Write(_samples.Count);
            foreach (var s in _samples)
            {
                writer.Write(s.Level);
                writer.Write(s.GridX);
                writer.Write(s.GridY);
                writer.Write(s.Area);
                foreach (var values in new[] { s.Window, s.Inside, s.TeacherFeature, s.Keypoints })
                {
                    writer.Write(values.Length);
                    writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                }
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The set saved at <paramref name="path"/> under <paramref name="key"/>; null if there is none, or it was made from other inputs.</summary>
    public static AnchorSet? Load(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadString() != key)
        {
            return null;
        }

        var set = new AnchorSet { Views = reader.ReadInt32(), Persons = reader.ReadInt32() };
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            int level = reader.ReadInt32(), x = reader.ReadInt32(), y = reader.ReadInt32();
            float area = reader.ReadSingle();
            float[] Values()
            {
                var values = new float[reader.ReadInt32()];
                reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                return values;
            }

            set._samples.Add(new AnchorSample(level, x, y, Values(), Values(), Values(), Values(), area));
        }

        return set;
    }

    private static IEnumerable<Mat> TrainingFrames(string source, int every)
    {
        if (Directory.Exists(source))
        {
            foreach (string file in Directory.EnumerateFiles(source).Where(ImageFile.IsImage).Order(StringComparer.Ordinal))
            {
                yield return ImageFile.Read(file);
            }

            yield break;
        }

        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"--data {source}: not found (give a video, an image or a folder of images)", source);
        }

        if (ImageFile.IsImage(source))
        {
            yield return ImageFile.Read(source);
            yield break;
        }

        using var video = VideoFileReader.Open(source);
        long end = video.Info.FrameCount is { } count ? HeldOut.FirstFrame(count) : long.MaxValue;
        for (long index = 0; index < end; index++)
        {
            var frame = new Mat();
            if (!video.Read(frame, out _))
            {
                frame.Dispose();
                yield break;
            }

            if (index % every == 0)
            {
                yield return frame;
            }
            else
            {
                frame.Dispose();
            }
        }
    }

    private void Add(Mat view, ModelSession student, ModelSession teacher, LetterboxTransform letterbox, float[] input, int perPerson)
    {
        letterbox.Apply(view, input);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, letterbox.Height, letterbox.Width]);
        using var studentOutputs = student.Run([value]);
        using var teacherOutputs = teacher.Run([value]);
        Views++;

        // The teacher's persons, as the runtime would decode them.
        var candidates = new List<BoxCandidate>();
        var persons = new List<BoxCandidate>();
        var teacherHead = teacherOutputs[0].GetTensorDataAsSpan<float>();
        new CandidateExtractor().Extract(teacherHead, Anchors, 1, PersonScore, candidates);
        NonMaxSuppression.Apply(candidates, 0.7f, 30_000, 300, persons);
        if (persons.Count == 0)
        {
            return;
        }

        Persons += persons.Count;

        // The anchors where the segmentation head sees one of them: rows 0..3 its box (cx, cy, w, h), row 4 its person score.
        var segHead = studentOutputs[0].GetTensorDataAsSpan<float>();
        var matches = new List<(int Person, int Anchor, float Score)>();
        for (int a = 0; a < Anchors; a++)
        {
            float score = segHead[(4 * Anchors) + a];
            if (score < PersonScore)
            {
                continue;
            }

            float cx = segHead[a], cy = segHead[Anchors + a], w = segHead[(2 * Anchors) + a], h = segHead[(3 * Anchors) + a];
            var box = new BoxCandidate(a, 0, score, cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2));
            int best = -1;
            float bestIoU = MatchIoU;
            for (int p = 0; p < persons.Count; p++)
            {
                float iou = BoxMath.IoU(box, persons[p]);
                if (iou >= bestIoU)
                {
                    (best, bestIoU) = (p, iou);
                }
            }

            if (best >= 0)
            {
                matches.Add((best, a, score));
            }
        }

        int studentMaps = studentOutputs.Count - 3;
        int teacherMaps = teacherOutputs.Count - 3;
        foreach (var group in matches.GroupBy(m => m.Person))
        {
            var person = persons[group.Key];
            float[] keypoints = new float[51];
            for (int v = 0; v < keypoints.Length; v++)
            {
                keypoints[v] = teacherHead[((5 + v) * Anchors) + person.Anchor];
            }

            foreach (var (_, anchor, _) in group.OrderByDescending(m => m.Score).ThenBy(m => m.Anchor).Take(perPerson))
            {
                var (level, x, y) = Layout.Locate(anchor);
                int side = Layout.Level(level).Columns; // square input: as many rows as columns
                var studentMap = studentOutputs[studentMaps + level];
                var teacherMap = teacherOutputs[teacherMaps + level];
                _samples.Add(new AnchorSample(
                    level, x, y,
                    Window(studentMap.GetTensorDataAsSpan<float>(), Channels(studentMap), side, x, y),
                    Inside(side, x, y),
                    Centre(teacherMap.GetTensorDataAsSpan<float>(), Channels(teacherMap), side, x, y),
                    keypoints,
                    person.Area * KeypointSimilarity.BoxAreaFactor));
            }
        }
    }

    /// <summary>The channels of a neck map [1, C, H, W], as the network has them (not assumed: widths differ by model size).</summary>
    private static int Channels(OrtValue map) => (int)map.GetTensorTypeAndShape().Shape[1];

    internal static float[] Window(ReadOnlySpan<float> map, int channels, int side, int x, int y)
    {
        const int n = AnchorSample.WindowSide, r = n / 2;
        var window = new float[channels * n * n];
        for (int c = 0; c < channels; c++)
        {
            for (int dy = 0; dy < n; dy++)
            {
                int row = y + dy - r;
                if (row < 0 || row >= side)
                {
                    continue;
                }

                for (int dx = 0; dx < n; dx++)
                {
                    int column = x + dx - r;
                    if (column >= 0 && column < side)
                    {
                        window[(((c * n) + dy) * n) + dx] = map[(((c * side) + row) * side) + column];
                    }
                }
            }
        }

        return window;
    }

    internal static float[] Inside(int side, int x, int y)
    {
        var inside = new float[9];
        for (int dy = -1; dy <= 1; dy++)
        {
            for (int dx = -1; dx <= 1; dx++)
            {
                bool within = x + dx >= 0 && x + dx < side && y + dy >= 0 && y + dy < side;
                inside[((dy + 1) * 3) + dx + 1] = within ? 1 : 0;
            }
        }

        return inside;
    }

    private static float[] Centre(ReadOnlySpan<float> map, int channels, int side, int x, int y)
    {
        var centre = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            centre[c] = map[(((c * side) + y) * side) + x];
        }

        return centre;
    }
}
