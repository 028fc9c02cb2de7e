using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline;

/// <summary>What a run did: per-stream counts, batch sizes, wall time.</summary>
/// <param name="BatchSizes">Index = batch size, value = how many batches of that size ran.</param>
/// <param name="FramePacketsCreated">Frame buffers ever allocated: bounded by the queues, whatever the run length.</param>
public sealed record PipelineSummary(IReadOnlyList<StreamState> Streams, IReadOnlyList<long> BatchSizes, TimeSpan Elapsed, bool Cancelled, int FramePacketsCreated)
{
    public long FramesProcessed => Streams.Sum(s => s.Processed);

    public double FramesPerSecond => Elapsed.TotalSeconds > 0 ? FramesProcessed / Elapsed.TotalSeconds : 0;

    public double MeanBatchSize
    {
        get
        {
            long batches = BatchSizes.Sum();
            return batches == 0 ? 0 : BatchSizes.Select((count, size) => count * size).Sum() / (double)batches;
        }
    }
}
