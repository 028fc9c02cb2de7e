using Microsoft.Extensions.Logging;
using VideoMtl.Pipeline.Metrics;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline;

/// <summary>
/// The run's record of stage faults: each is counted in <c>videomtl_stage_faults_total{stage}</c> and logged
/// once, with its stage (and stream when it has one); the first fault that cannot be isolated is kept, and the
/// run ends with it. Thread-safe: stages fail on their own threads.
/// </summary>
internal sealed class FaultLog(ILogger logger, PipelineMetrics metrics)
{
    private readonly Lock _gate = new();

    /// <summary>The first fault that ended the run, or null.</summary>
    public (string Stage, string Message, Exception Error)? First { get; private set; }

    /// <summary>A fault confined to one stream's stage (capture, preprocess): that stream is failed, never completed.</summary>
    public void Isolated(string stage, StreamState stream, Exception error)
    {
        stream.Error = $"{stage} failed: {error.Message}";
        stream.Status = StreamStatus.Failed;
        metrics.StageFault(stage);
        logger.LogError("{Stream}: {Stage} stage failed ({Type}): {Message}; this stream is stopped, the others go on",
            stream.Name, stage, error.GetType().Name, error.Message);
    }

    /// <summary>A fault of a stage every stream shares: kept (the first only) to end the run with.</summary>
    public void Fatal(string stage, Exception error)
    {
        metrics.StageFault(stage);
        lock (_gate)
        {
            if (First is not null)
            {
                return; // the abort it caused may make other stages fail too: only the cause is reported
            }

            First = (stage, error.Message, error);
        }

        logger.LogDebug(error, "{Stage} stage failed", stage);
    }
}
