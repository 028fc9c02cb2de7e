using OpenCvSharp;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using VideoMtl.Core.Model;
using VideoMtl.Inference;
using VideoMtl.Vision;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// The most a model can do with given session settings: <c>Run</c> in a loop on real letterboxed frames of
/// a file, nothing else. The ceiling of <c>bench</c> and each point of the thread sweep.
/// </summary>
internal static class BareRunLoop
{
    /// <returns>Frames per second over the timed runs (after three untimed warm-up runs).</returns>
    /// <param name="tasks">The tasks every frame asks for: a part of the model behind a gate of another task does not run.</param>
    public static double Measure(string modelPath, InferenceSessionOptions sessionOptions, string source, int batch, int frames, ModelTasks tasks = ModelTasks.All)
    {
        using var model = MultiTaskModel.Load(modelPath, sessionOptions);
        int length = model.Letterbox.TensorLength;
        var input = new float[batch * length];
        using (var capture = VideoFileReader.Open(source))
        using (var frame = new Mat())
        {
            // Real frames, so the model sees the same content as in the pipeline.
            for (int i = 0; i < batch && capture.Read(frame, out _); i++)
            {
                model.Letterbox.Apply(frame, input.AsSpan(i * length, length));
            }
        }

        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, model.Description.InputHeight, model.Description.InputWidth]);
        // Every row, or none, of each gated part, as the pipeline binds them for a batch of streams with these tasks.
        long[] all = [.. Enumerable.Range(0, batch).Select(i => (long)i)];
        using var everyRow = ModelSession.Rows(all);
        using var noRow = ModelSession.Rows([]);
        OrtValue[] inputs = [tensor, .. model.Gates.Select(g => tasks.HasFlag(g.Task) ? everyRow : noRow)];
        for (int i = 0; i < 3; i++)
        {
            model.Session.Run(inputs).Dispose(); // warm-up: the first runs allocate and plan
        }

        int iterations = Math.Max(2, (frames + batch - 1) / batch);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            model.Session.Run(inputs).Dispose();
        }

        return iterations * batch / clock.Elapsed.TotalSeconds;
    }
}
