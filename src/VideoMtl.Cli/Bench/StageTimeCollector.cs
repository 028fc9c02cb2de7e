using VideoMtl.Pipeline.Metrics;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// Mean time per frame of each stage, read from a finished run's own series
/// (<c>videomtl_stage_duration_seconds</c> and <c>videomtl_inference_batch_size</c>): the bench measures
/// exactly what Prometheus would show, and reading them afterwards adds nothing to the run.
/// </summary>
internal static class StageTimeCollector
{
    /// <summary>Milliseconds per frame by stage; inference is per batch divided by the mean batch size.</summary>
    public static IReadOnlyDictionary<string, double> MeanMillisecondsPerFrame(PipelineMetrics metrics)
    {
        var (batches, frames) = metrics.BatchTotals();
        double meanBatch = batches == 0 ? 1 : frames / batches;
        var result = new Dictionary<string, double>();
        foreach (string stage in PipelineMetrics.StageNames)
        {
            var (seconds, count) = metrics.StageTotals(stage);
            double perEvent = count == 0 ? 0 : seconds * 1000 / count;
            result[stage] = stage == "inference" ? perEvent / meanBatch : perEvent;
        }

        return result;
    }
}
