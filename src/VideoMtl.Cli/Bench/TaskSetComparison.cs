using System.Globalization;
using VideoMtl.Core.Model;
using VideoMtl.Inference.Threading;
using VideoMtl.ModelTools;
using VideoMtl.Pipeline;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// <c>bench --tasks SET --tasks SET ...</c>: per task set, the GFLOPs per 640² image its run computes (the
/// model's cost less the parts behind the gates it leaves off) and its inference ceiling (a bare <c>Run</c> loop
/// with those gates, the same frames, threads and batch), measured in the order given and then back, averaged.
/// </summary>
internal static class TaskSetComparison
{
    public static TaskSetReport Run(BenchOptions options, IReadOnlyList<ModelTasks> sets, TextWriter progress, CancellationToken cancellation)
    {
        var threads = IntraOpThreadChoice.Resolve(options.Threads, CpuBudget.Detect());
        var sessionOptions = new PipelineOptions { Sources = [], OutputDirectory = ".", ModelPath = options.ModelPath, Provider = options.Provider, IntraOpThreads = options.Threads, OrtSpinning = options.Spinning }
            .CreateSessionOptions(threads);
        var cost = ModelComplexity.Cost(File.ReadAllBytes(options.ModelPath));
        var fps = sets.Select(_ => new List<double>()).ToArray();
        int frames = Math.Max(8, options.Frames / 2);
        var order = Enumerable.Range(0, sets.Count).Concat(Enumerable.Range(0, sets.Count).Reverse());
        foreach (int i in order)
        {
            cancellation.ThrowIfCancellationRequested();
            progress.WriteLine($"bench: bare Run loop, batch {options.MaxBatch}, tasks {TaskNames.Format(sets[i])} ...");
            fps[i].Add(BareRunLoop.Measure(options.ModelPath, sessionOptions, options.Source, options.MaxBatch, frames, sets[i]));
        }

        var rows = sets.Select((set, i) => new TaskSetRow(
            TaskNames.Format(set),
            cost.WithGatesOn(TaskGate.RowsInputs(set)),
            fps[i].Average())).ToList();
        return new TaskSetReport(Path.GetFullPath(options.ModelPath), threads.Threads, options.MaxBatch, frames, cost.Total, rows, cost.Gated.Count > 0);
    }

    public static void WriteTable(TaskSetReport r, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"task sets on {r.Model}: bare Run ceilings, batch {r.Batch}, {r.Threads} intra-op threads, {r.FramesPerRun} frames per run, in order and back:"));
        if (!r.Gated)
        {
            output.WriteLine("  (this model has no task gates: every set computes everything; rebuild it with 'videomtl model build')");
        }

        var full = r.Rows.FirstOrDefault(row => row.Tasks == TaskNames.Format(ModelTasks.All));
        output.WriteLine("  tasks                          GFLOPs  share   frames/s   ms/frame  time share");
        foreach (var row in r.Rows)
        {
            string share = full is null ? "-" : string.Create(c, $"{row.GigaFlops / full.GigaFlops:0.00}");
            string time = full is null ? "-" : string.Create(c, $"{full.FramesPerSecond / row.FramesPerSecond:0.00}");
            output.WriteLine(string.Create(c, $"  {row.Tasks,-29} {row.GigaFlops,7:0.0}  {share,5}  {row.FramesPerSecond,9:0.00}  {1000 / row.FramesPerSecond,9:0.0}  {time,10}"));
        }

        if (r.Rows.Any(row => row.Tasks.EndsWith("auto", StringComparison.Ordinal)))
        {
            output.WriteLine("  (auto: the GFLOPs are the most it computes; what it does compute depends on what the frames show)");
        }
    }
}

/// <summary>One task set's cost and ceiling.</summary>
internal sealed record TaskSetRow(string Tasks, double GigaFlops, double FramesPerSecond);

/// <summary>Task sets side by side on one model.</summary>
internal sealed record TaskSetReport(string Model, int Threads, int Batch, int FramesPerRun, double ModelGigaFlops, IReadOnlyList<TaskSetRow> Rows, bool Gated);
