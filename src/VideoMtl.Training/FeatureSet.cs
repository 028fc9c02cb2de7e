using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using VideoMtl.Inference;
using VideoMtl.ModelTools;
using VideoMtl.ModelTools.Evaluation;
using VideoMtl.Vision;

namespace VideoMtl.Training;

/// <summary>
/// Training pairs for the adapters: for each frame, the segmentation network's three neck maps (inputs) and the
/// pose network's (targets), computed once with ONNX Runtime from the dequantized exports. Videos give the frames
/// of their first 80% (the last 20% is held out for <c>model evaluate --held-out</c>); images are all used. Each
/// frame is used as is and mirrored (a person mirrored is still a person; the networks see both).
/// </summary>
public sealed class FeatureSet : IDisposable
{
    /// <summary>Channels and side (at 640²) of the neck maps P3, P4, P5 of YOLOv8n.</summary>
    public static readonly IReadOnlyList<(int Channels, int Side)> Levels = [(64, 80), (128, 40), (256, 20)];

    private readonly List<float[][]> _inputs = [];
    private readonly List<float[][]> _targets = [];

    public int Count => _inputs.Count;

    public IReadOnlyList<float[]> Input(int sample) => _inputs[sample];

    public IReadOnlyList<float[]> Target(int sample) => _targets[sample];

    /// <param name="every">Take every Nth training frame of a video.</param>
    /// <param name="progress">Told the samples made so far.</param>
    public static FeatureSet Extract(string segment, string pose, IReadOnlyList<string> data, int every, bool mirror, int? maxFramesPerSource = null, InferenceSessionOptions? sessionOptions = null, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        var set = new FeatureSet();
        using var student = ModelSession.Create(NeckFeatures.Expose(segment, out _), sessionOptions);
        using var teacher = ModelSession.Create(NeckFeatures.Expose(pose, out _), sessionOptions);
        var letterbox = new LetterboxTransform(640, 640);
        var input = new float[letterbox.TensorLength];
        foreach (string source in data)
        {
            int taken = 0;
            foreach (var frame in TrainingFrames(source, every))
            {
                using (frame)
                {
                    if (taken++ >= (maxFramesPerSource ?? int.MaxValue))
                    {
                        break;
                    }

                    set.Add(frame, student, teacher, letterbox, input);
                    if (mirror)
                    {
                        using var mirrored = frame.Flip(FlipMode.Y);
                        set.Add(mirrored, student, teacher, letterbox, input);
                    }

                    progress?.Invoke(set.Count);
                }
            }
        }

        return set.Count > 0 ? set : throw new InvalidDataException("no training frames: give videos or images with --data");
    }

    public void Dispose()
    {
        _inputs.Clear();
        _targets.Clear();
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

    private void Add(Mat frame, ModelSession student, ModelSession teacher, LetterboxTransform letterbox, float[] input)
    {
        letterbox.Apply(frame, input);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, letterbox.Height, letterbox.Width]);
        _inputs.Add(Neck(student, value));
        _targets.Add(Neck(teacher, value));
    }

    /// <summary>The three neck maps: the session's last three outputs (NeckFeatures appends them).</summary>
    private static float[][] Neck(ModelSession session, OrtValue input)
    {
        using var outputs = session.Run([input]);
        int first = outputs.Count - 3;
        return [.. Enumerable.Range(first, 3).Select(i => outputs[i].GetTensorDataAsSpan<float>().ToArray())];
    }
}
