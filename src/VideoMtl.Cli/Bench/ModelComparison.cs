using System.Globalization;
using VideoMtl.Inference.Threading;
using VideoMtl.ModelTools;
using VideoMtl.Pipeline;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// <c>bench --compare B</c>: the inference ceilings of two models (bare <c>Run</c> loops on the same frames, the
/// same threads, spinning and batch as <c>run</c> would use), measured in one process in the order A, B, B, A and
/// averaged, so a machine whose speed drifts over minutes favours neither; with each model's GFLOPs.
/// </summary>
internal static class ModelComparison
{
    public static ComparisonReport Run(BenchOptions options, string other, TextWriter progress, CancellationToken cancellation)
    {
        if (!File.Exists(other))
        {
            throw new UserError($"--compare {other}: model not found");
        }

        var threads = IntraOpThreadChoice.Resolve(options.Threads, CpuBudget.Detect());
        var sessionOptions = new PipelineOptions { Sources = [], OutputDirectory = ".", ModelPath = options.ModelPath, Provider = options.Provider, IntraOpThreads = options.Threads, OrtSpinning = options.Spinning }
            .CreateSessionOptions(threads);
        var models = new[] { options.ModelPath, other };
        var fps = new List<double>[] { [], [] };
        int frames = Math.Max(8, options.Frames / 2);
        foreach (int m in new[] { 0, 1, 1, 0 })
        {
            cancellation.ThrowIfCancellationRequested();
            progress.WriteLine($"bench: bare Run loop, batch {options.MaxBatch}, {Path.GetFileName(models[m])} ...");
            fps[m].Add(BareRunLoop.Measure(models[m], sessionOptions, options.Source, options.MaxBatch, frames));
        }

        return new ComparisonReport(
            Path.GetFullPath(models[0]), Path.GetFullPath(models[1]), threads.Threads, options.MaxBatch, frames,
            fps[0].Average(), fps[1].Average(),
            ModelComplexity.GigaFlops(File.ReadAllBytes(models[0])), ModelComplexity.GigaFlops(File.ReadAllBytes(models[1])));
    }

    public static void WriteTable(ComparisonReport r, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"bare Run ceilings, batch {r.Batch}, {r.Threads} intra-op threads, {r.FramesPerRun} frames per run, order A B B A:"));
        output.WriteLine(string.Create(c, $"  A {r.ModelA}: {r.FpsA:0.00} frames/s, {r.GigaFlopsA:0.0} GFLOPs"));
        output.WriteLine(string.Create(c, $"  B {r.ModelB}: {r.FpsB:0.00} frames/s, {r.GigaFlopsB:0.0} GFLOPs"));
        output.WriteLine(string.Create(c, $"  B / A: {r.Speedup:0.00}x the frames/s, {r.GigaFlopsA / r.GigaFlopsB:0.00}x fewer GFLOPs"));
    }
}

/// <summary>Two models' ceilings side by side.</summary>
internal sealed record ComparisonReport(
    string ModelA, string ModelB, int Threads, int Batch, int FramesPerRun, double FpsA, double FpsB, double GigaFlopsA, double GigaFlopsB)
{
    public double Speedup => FpsB / FpsA;
}
