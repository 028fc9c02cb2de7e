using OpenCvSharp;
using BenchmarkDotNet.Attributes;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Benchmarks;

/// <summary>
/// Each step VideoMtl adds around the model, on one real vtest.avi frame (768×576, ~7 people) and the
/// model's real outputs for it: letterbox + normalize, head decoding + NMS, mask decoding, COCO RLE,
/// overlay drawing, and the whole decode as the pipeline runs it.
/// </summary>
[MemoryDiagnoser]
public class HostWorkBenchmarks : IDisposable
{
    private readonly List<BoxCandidate> _candidates = [];
    private readonly List<BoxCandidate> _kept = [];
    private readonly List<int> _counts = [];
    private readonly CandidateExtractor _extractor = new();
    private readonly MaskDecoder _masks = new();
    private BenchmarkInputs _inputs = null!;
    private Mat _canvas = null!;
    private IAnnotator _annotator = null!;
    private float[] _coefficients = [];

    [GlobalSetup]
    public void Setup()
    {
        _inputs = new BenchmarkInputs();
        _canvas = _inputs.Frame.Clone();
        _annotator = AnnotatorChain.Default();
        _coefficients = new float[_inputs.Model.Description.MaskCoefficients];
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _canvas?.Dispose();
        _inputs?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "letterbox + normalize (768x576 -> 640x640 planar float)")]
    public LetterboxGeometry Letterbox() => _inputs.Model.Letterbox.Apply(_inputs.Frame, _inputs.Tensor);

    [Benchmark(Description = "head decoding + NMS (8400 anchors, 80 classes)")]
    public int HeadsAndNms()
    {
        var d = _inputs.Model.Description;
        _candidates.Clear();
        _kept.Clear();
        _extractor.Extract(_inputs.Boxes, d.Anchors, d.ClassNames.Count, 0.25f, _candidates);
        NonMaxSuppression.Apply(_candidates, 0.7f, 30000, 300, _kept);
        return _kept.Count;
    }

    [Benchmark(Description = "mask decoding (every kept object, inside its box)")]
    public int Masks()
    {
        var d = _inputs.Model.Description;
        var detections = _inputs.Detections;
        int area = 0;
        for (int i = 0; i < detections.Count; i++)
        {
            var mask = _masks.Decode(_inputs.Prototypes, d.ProtoWidth, d.ProtoHeight, _coefficients, _inputs.Geometry, d.InputWidth, d.InputHeight, detections, i);
            area += mask.Width;
        }

        return area;
    }

    [Benchmark(Description = "COCO RLE of every mask (column-major, full frame)")]
    public int Rle()
    {
        int runs = 0;
        var detections = _inputs.Detections;
        for (int i = 0; i < detections.Count; i++)
        {
            if (detections.GetMask(i) is { } mask)
            {
                CocoRle.Encode(mask, _inputs.Frame.Width, _inputs.Frame.Height, _counts);
                runs += _counts.Count;
            }
        }

        return runs;
    }

    [Benchmark(Description = "overlay: masks, boxes, labels, skeletons")]
    public void Overlay() => _annotator.Annotate(_canvas, _inputs.Detections, _inputs.Model.Description);

    [Benchmark(Description = "whole decode of one frame (as in the pipeline)")]
    public int Decode()
    {
        _inputs.Model.Decode(_inputs.Decoder, _inputs.Outputs, 0, 1, _inputs.Geometry, _inputs.Detections);
        return _inputs.Detections.Count;
    }
}
