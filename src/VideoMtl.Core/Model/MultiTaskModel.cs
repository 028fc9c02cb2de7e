using OpenCvSharp;
using Microsoft.ML.OnnxRuntime;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Results;
using VideoMtl.Core.Tracking;
using VideoMtl.Inference;
using VideoMtl.Vision;

namespace VideoMtl.Core.Model;

/// <summary>
/// A loaded multi-task model: letterboxes a batch of images into one input tensor, runs it, and decodes
/// each image's slice of every output. The input buffer is kept and grown to the largest batch seen.
/// Not thread-safe: one inference worker owns it.
/// </summary>
public sealed class MultiTaskModel : IDisposable
{
    private float[] _input = [];

    private MultiTaskModel(ModelSession session, ModelDescription description)
    {
        Session = session;
        Description = description;
        Letterbox = new LetterboxTransform(description.InputWidth, description.InputHeight);
        var names = session.Outputs.Select(o => o.Name).ToList();
        ObjectsOutput = names.IndexOf(description.HasSegmentation ? "seg_boxes" : "det_boxes");
        ProtosOutput = names.IndexOf("seg_protos");
        PoseOutput = names.IndexOf("pose");
        var autoInputs = session.AutoInputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        Gates = [.. session.Gates.Select(g =>
        {
            var task = TaskGate.TaskOf(g.Name);
            if (task == ModelTasks.None)
            {
                throw new InferenceException($"{session.Source}: unknown task gate input '{g.Name}' (known: {string.Join(", ", TaskGate.Known.Select(k => k.RowsInput))})");
            }

            string auto = TaskGateNames.AutoRows(g.Name);
            int row = session.RowOutputs.Select(o => o.Name).ToList().IndexOf(TaskGateNames.Used(g.Name));
            int used = row < 0 ? -1 : session.Outputs.Count + row; // bound after the model's outputs
            return used < 0
                ? throw new InferenceException($"{session.Source}: task gate '{g.Name}' has no '{TaskGateNames.Used(g.Name)}' output; rebuild the model with 'videomtl model build'")
                : new TaskGate(g.Name, autoInputs.Contains(auto) ? auto : null, used, task);
        })];
        AutoThreshold = autoInputs.Contains(TaskGateNames.AutoThreshold) ? TaskGateNames.AutoThreshold : null;
    }

    /// <summary>
    /// The model's task gates (inputs segment_rows, pose_rows; see the model contract): a gated part of the network
    /// runs only for the batch rows listed, and its output has one row per listed image. Empty for a model built
    /// without gates.
    /// </summary>
    public IReadOnlyList<TaskGate> Gates { get; }

    /// <summary>The input of the score an auto row must pass (auto_threshold), or null.</summary>
    public string? AutoThreshold { get; }

    public ModelSession Session { get; }

    public ModelDescription Description { get; }

    public LetterboxTransform Letterbox { get; }

    /// <summary>Position among the session's outputs of the head objects are decoded from (seg_boxes, else det_boxes).</summary>
    public int ObjectsOutput { get; }

    /// <summary>Position of seg_protos, or -1.</summary>
    public int ProtosOutput { get; }

    /// <summary>Position of pose, or -1.</summary>
    public int PoseOutput { get; }

    public static MultiTaskModel Load(string path, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        var session = ModelSession.Create(path, options, logger);
        try
        {
            return new MultiTaskModel(session, ModelDescription.FromSession(session));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public MultiTaskDecoder CreateDecoder(DecoderOptions? options = null) => new(Description, options ?? new DecoderOptions());

    /// <summary>Runs one batch; <paramref name="results"/>[i] receives the objects of <paramref name="images"/>[i].</summary>
    public StageTimings Infer(IReadOnlyList<Mat> images, IReadOnlyList<Detections> results, MultiTaskDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(decoder);
        if (images.Count == 0 || results.Count < images.Count)
        {
            throw new ArgumentException("need at least one image and one result per image");
        }

        var clock = Stopwatch.StartNew();
        int slot = Letterbox.TensorLength;
        if (_input.Length < images.Count * slot)
        {
            _input = new float[images.Count * slot];
        }

        var geometries = new LetterboxGeometry[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            geometries[i] = Letterbox.Apply(images[i], _input.AsSpan(i * slot, slot));
        }

        double preprocess = clock.Elapsed.TotalMilliseconds;
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, images.Count * slot), [images.Count, 3, Description.InputHeight, Description.InputWidth]);
        using var outputs = Session.Run([input]);
        double inference = clock.Elapsed.TotalMilliseconds - preprocess;
        for (int i = 0; i < images.Count; i++)
        {
            Decode(decoder, outputs, i, images.Count, geometries[i], results[i]);
        }

        return new StageTimings(preprocess, inference, clock.Elapsed.TotalMilliseconds - preprocess - inference);
    }

    /// <summary>Decodes image <paramref name="image"/> of a batch of <paramref name="batch"/> straight from the run's outputs (no copy).</summary>
    /// <param name="tasks">What to decode: without segmentation no mask is made, without pose no keypoints are read.</param>
    public void Decode(MultiTaskDecoder decoder, IReadOnlyList<OrtValue> outputs, int image, int batch, LetterboxGeometry geometry, Detections into, ModelTasks tasks = ModelTasks.All) =>
        Decode(decoder, outputs, BatchPlace.Whole(image, batch), geometry, into, tasks);

    /// <summary>As above, for an image whose gated outputs sit at the rows <paramref name="place"/> gives.</summary>
    public void Decode(MultiTaskDecoder decoder, IReadOnlyList<OrtValue> outputs, BatchPlace place, LetterboxGeometry geometry, Detections into, ModelTasks tasks = ModelTasks.All)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(outputs);
        decoder.Decode(Slice(outputs, ObjectsOutput, place.Image, place.Batch), Protos(outputs, place, tasks), Poses(outputs, place, tasks), geometry, into);
    }

    /// <summary>
    /// As <see cref="Decode(MultiTaskDecoder, IReadOnlyList{OrtValue}, int, int, LetterboxGeometry, Detections)"/>,
    /// with <paramref name="tracker"/> choosing the objects and giving them ids between decoding the boxes and the
    /// masks: candidates down to the tracker's low threshold are decoded, masks only for the objects it keeps.
    /// </summary>
    /// <param name="seconds">The frame's timestamp, in seconds, for the tracker's motion model.</param>
    /// <returns>Milliseconds spent in the tracker.</returns>
    public double Decode(
        MultiTaskDecoder decoder, IReadOnlyList<OrtValue> outputs, int image, int batch, LetterboxGeometry geometry, Detections into, ObjectTracker tracker, double seconds,
        ModelTasks tasks = ModelTasks.All) =>
        Decode(decoder, outputs, BatchPlace.Whole(image, batch), geometry, into, tracker, seconds, tasks);

    /// <summary>As above, for an image whose gated outputs sit at the rows <paramref name="place"/> gives.</summary>
    public double Decode(
        MultiTaskDecoder decoder, IReadOnlyList<OrtValue> outputs, BatchPlace place, LetterboxGeometry geometry, Detections into, ObjectTracker tracker, double seconds,
        ModelTasks tasks = ModelTasks.All)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(tracker);
        var objects = Slice(outputs, ObjectsOutput, place.Image, place.Batch);
        decoder.DecodeObjects(objects, Poses(outputs, place, tasks), geometry, into, tracker.LowScore);
        long started = Stopwatch.GetTimestamp();
        tracker.Update(into, seconds);
        double trackMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        decoder.Finish(objects, Protos(outputs, place, tasks), geometry, into, tracker.Kept);
        return trackMs;
    }

    // A task not asked for is decoded from nothing: the decoder makes no masks without prototypes and reads no
    // keypoints without the pose head's rows.
    private ReadOnlySpan<float> Protos(IReadOnlyList<OrtValue> outputs, BatchPlace place, ModelTasks tasks) =>
        tasks.HasFlag(ModelTasks.Segment) && place.SegmentRow >= 0 ? Slice(outputs, ProtosOutput, place.SegmentRow, place.SegmentRows) : [];

    private ReadOnlySpan<float> Poses(IReadOnlyList<OrtValue> outputs, BatchPlace place, ModelTasks tasks) =>
        tasks.HasFlag(ModelTasks.Pose) && place.PoseRow >= 0 ? Slice(outputs, PoseOutput, place.PoseRow, place.PoseRows) : [];

    public void Dispose() => Session.Dispose();

    private static ReadOnlySpan<float> Slice(IReadOnlyList<OrtValue> outputs, int index, int image, int batch)
    {
        if (index < 0)
        {
            return [];
        }

        var data = outputs[index].GetTensorDataAsSpan<float>();
        int per = data.Length / batch;
        return data.Slice(image * per, per);
    }
}
