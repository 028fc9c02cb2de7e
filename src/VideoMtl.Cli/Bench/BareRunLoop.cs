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
        // Each gated part for every row, or for none, or (auto) offered every row, as the pipeline binds them for a
        // batch of streams with these tasks; in the session's input order.
        long[] all = [.. Enumerable.Range(0, batch).Select(i => (long)i)];
        using var everyRow = ModelSession.Rows(all);
        using var noRow = ModelSession.Rows([]);
        using var threshold = OrtValue.CreateTensorValueFromMemory(new[] { new Core.Decoding.DecoderOptions().Confidence }, []);
        bool auto = tasks.HasFlag(ModelTasks.Auto);
        var named = new Dictionary<string, OrtValue>(StringComparer.Ordinal) { [model.Session.Inputs[0].Name] = tensor };
        foreach (var gate in model.Gates)
        {
            bool wanted = tasks.HasFlag(gate.Task);
            bool offered = wanted && auto && gate.AutoRowsInput is not null;
            named[gate.RowsInput] = wanted && !offered ? everyRow : noRow;
            if (gate.AutoRowsInput is { } autoInput)
            {
                named[autoInput] = offered ? everyRow : noRow;
            }
        }

        if (model.AutoThreshold is { } thresholdInput)
        {
            named[thresholdInput] = threshold;
        }

        OrtValue[] inputs = [.. model.Session.Inputs.Select(i => named[i.Name])];
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
