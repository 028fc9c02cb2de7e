using VideoMtl.Inference;

namespace VideoMtl.Cli.Bench;

/// <param name="Frames">Frames per measurement (split across streams in the batching runs).</param>
/// <param name="Batching">Also run 1, 2 and 4 streams with max batch 1 and <paramref name="MaxBatch"/>.</param>
/// <param name="Spinning">ONNX Runtime's intra-op spinning, as the run setting OrtSpinning.</param>
/// <param name="VideoPreset">The mp4 encoder's preset in the all-sinks run, as the run setting VideoPreset.</param>
internal sealed record BenchOptions(
    string Source, string ModelPath, ExecutionProviderOptions Provider, int Frames, int Threads, int MaxBatch, bool Batching, bool Spinning = true, string VideoPreset = Media.VideoPresets.Default);
