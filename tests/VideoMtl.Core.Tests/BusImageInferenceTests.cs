using OpenCvSharp;
using Microsoft.ML.OnnxRuntime;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Inference;
using VideoMtl.TestSupport;
using VideoMtl.Vision;
using Xunit.Abstractions;

namespace VideoMtl.Core.Tests;

/// <summary>
/// The built model on bus.jpg through the real decoders, checked against a reference decode written
/// here independently (plain loops over the original quantized models' outputs).
/// </summary>
[Collection(BuiltModelCollection.Name)]
public sealed class BusImageInferenceTests : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly MultiTaskModel _model;
    private readonly Detections _detections = new();
    private readonly int _width;
    private readonly int _height;

    public BusImageInferenceTests(BuiltModelFixture built, ITestOutputHelper log)
    {
        _log = log;
        _model = MultiTaskModel.Load(built.Path);
        using var image = ImageFile.Read(TestData.BusJpg);
        (_width, _height) = (image.Width, image.Height);
        _model.Infer([image], [_detections], _model.CreateDecoder());
    }

    [Fact]
    public void Finds_the_bus_and_at_least_three_people_with_masks()
    {
        var classes = Enumerable.Range(0, _detections.Count).Select(i => _model.Description.ClassName(_detections.ClassIds[i])).ToList();
        Assert.Contains("bus", classes);
        int peopleWithMasks = Enumerable.Range(0, _detections.Count)
            .Count(i => classes[i] == "person" && _detections.GetMask(i) is { Area: > 1000 });
        Assert.True(peopleWithMasks >= 3, $"{peopleWithMasks} people with masks");
    }

    [Fact]
    public void At_least_three_people_have_keypoints_inside_their_boxes()
    {
        int people = 0;
        for (int i = 0; i < _detections.Count; i++)
        {
            var k = _detections.GetKeypoints(i);
            if (k.IsEmpty)
            {
                continue;
            }

            Assert.Equal(0, _detections.ClassIds[i]);
            var (x1, y1, x2, y2) = _detections.GetBox(i);
            int confident = 0, inside = 0;
            for (int j = 0; j < k.Length; j += 3)
            {
                if (k[j + 2] < 0.5f)
                {
                    continue;
                }

                confident++;
                inside += k[j] >= x1 - 10 && k[j] <= x2 + 10 && k[j + 1] >= y1 - 10 && k[j + 1] <= y2 + 10 ? 1 : 0;
            }

            if (confident >= 5 && inside == confident)
            {
                people++;
            }
        }

        Assert.True(people >= 3, $"{people} people with all confident keypoints inside their box");
    }

    [Fact]
    public void Rle_area_equals_the_mask_area()
    {
        var counts = new List<int>();
        int masks = 0;
        for (int i = 0; i < _detections.Count; i++)
        {
            if (_detections.GetMask(i) is not { } mask)
            {
                continue;
            }

            CocoRle.Encode(mask, _width, _height, counts);
            Assert.Equal(_width * _height, counts.Sum());
            Assert.Equal(mask.Area, CocoRle.Area(counts));
            masks++;
        }

        Assert.True(masks >= 4);
    }

    [Fact]
    public void Objects_agree_with_a_reference_decode_of_the_original_segment_model()
    {
        var reference = ReferenceDecode(TestData.SegmentationModel, classes: 80);
        Assert.NotEmpty(reference);
        foreach (var r in reference.Where(r => r.Score >= 0.5f))
        {
            float best = 0;
            for (int i = 0; i < _detections.Count; i++)
            {
                if (_detections.ClassIds[i] == r.Class)
                {
                    var b = _detections.GetBox(i);
                    best = Math.Max(best, Decoding.BoxMath.IoU(b.X1, b.Y1, b.X2, b.Y2, r.Box[0], r.Box[1], r.Box[2], r.Box[3]));
                }
            }

            _log.WriteLine($"class {r.Class} score {r.Score:0.00}: best IoU {best:0.000}");
            Assert.True(best >= 0.9f, $"reference class {r.Class} at [{string.Join(", ", r.Box)}] matched at IoU {best}");
        }
    }

    [Fact]
    public void Keypoints_agree_with_a_reference_decode_of_the_original_pose_model()
    {
        var reference = ReferenceDecode(TestData.PoseModel, classes: 1, keypoints: 17);
        int compared = 0;
        foreach (var r in reference.Where(r => r.Score >= 0.5f))
        {
            // Our person with keypoints whose box overlaps the reference pose box most.
            int match = Enumerable.Range(0, _detections.Count).Where(i => !_detections.GetKeypoints(i).IsEmpty)
                .OrderByDescending(i =>
                {
                    var b = _detections.GetBox(i);
                    return Decoding.BoxMath.IoU(b.X1, b.Y1, b.X2, b.Y2, r.Box[0], r.Box[1], r.Box[2], r.Box[3]);
                }).First();
            var ours = _detections.GetKeypoints(match);
            double worst = 0;
            for (int k = 0; k < 17; k++)
            {
                if (r.Keypoints[(3 * k) + 2] >= 0.5f && ours[(3 * k) + 2] >= 0.5f)
                {
                    worst = Math.Max(worst, Math.Sqrt(Math.Pow(ours[3 * k] - r.Keypoints[3 * k], 2) + Math.Pow(ours[(3 * k) + 1] - r.Keypoints[(3 * k) + 1], 2)));
                }
            }

            _log.WriteLine($"pose {r.Score:0.00}: worst keypoint distance {worst:0.0} px");
            Assert.True(worst <= 8, $"keypoints differ by up to {worst:0.0} px");
            compared++;
        }

        Assert.True(compared >= 3);
    }

    public void Dispose() => _model.Dispose();

    /// <summary>Plain reference: argmax class per anchor, threshold 0.25, greedy per-class NMS at 0.7, letterbox undone by hand.</summary>
    private List<(int Class, float Score, float[] Box, float[] Keypoints)> ReferenceDecode(string modelPath, int classes, int keypoints = 0)
    {
        using var session = ModelSession.Create(modelPath);
        var transform = new LetterboxTransform(640, 640);
        var input = new float[transform.TensorLength];
        using (var image = ImageFile.Read(TestData.BusJpg))
        {
            transform.Apply(image, input);
        }

        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 640, 640]);
        float[] o;
        using (var outputs = session.Run([tensor]))
        {
            o = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        const int n = 8400;
        double r = Math.Min(640.0 / _width, 640.0 / _height);
        double padX = (640 - Math.Round(_width * r)) / 2, padY = (640 - Math.Round(_height * r)) / 2;
        padX = Math.Floor(padX);
        padY = Math.Floor(padY);
        float Sx(double x) => (float)Math.Clamp((x - padX) / r, 0, _width);
        float Sy(double y) => (float)Math.Clamp((y - padY) / r, 0, _height);

        var found = new List<(int Class, float Score, float[] Box, float[] Keypoints)>();
        for (int a = 0; a < n; a++)
        {
            int cls = 0;
            for (int c = 1; c < classes; c++)
            {
                if (o[((4 + c) * n) + a] > o[((4 + cls) * n) + a])
                {
                    cls = c;
                }
            }

            float score = o[((4 + cls) * n) + a];
            if (score < 0.25f)
            {
                continue;
            }

            double cx = o[a], cy = o[n + a], w = o[(2 * n) + a], h = o[(3 * n) + a];
            var kp = new float[keypoints * 3];
            for (int k = 0; k < keypoints; k++)
            {
                kp[3 * k] = Sx(o[((5 + (3 * k)) * n) + a]);
                kp[(3 * k) + 1] = Sy(o[((6 + (3 * k)) * n) + a]);
                kp[(3 * k) + 2] = o[((7 + (3 * k)) * n) + a];
            }

            found.Add((cls, score, [Sx(cx - (w / 2)), Sy(cy - (h / 2)), Sx(cx + (w / 2)), Sy(cy + (h / 2))], kp));
        }

        var kept = new List<(int Class, float Score, float[] Box, float[] Keypoints)>();
        foreach (var f in found.OrderByDescending(f => f.Score))
        {
            if (!kept.Any(k => k.Class == f.Class && Decoding.BoxMath.IoU(k.Box[0], k.Box[1], k.Box[2], k.Box[3], f.Box[0], f.Box[1], f.Box[2], f.Box[3]) > 0.7f))
            {
                kept.Add(f);
            }
        }

        return kept;
    }
}
