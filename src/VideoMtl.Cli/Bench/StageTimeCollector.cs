using System.Diagnostics.Metrics;
using VideoMtl.Pipeline.Metrics;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// Sums <c>videomtl_stage_duration_seconds</c> and <c>videomtl_inference_batch_size</c> per stage while a
/// pipeline runs, straight from the pipeline's own instruments. The callback does not allocate, so it does
/// not disturb the allocation figure measured at the same time.
/// </summary>
internal sealed class StageTimeCollector : IDisposable
{
    private static readonly string[] Stages = ["decode", "preprocess", "inference", "postprocess", "overlay", "encode"];

    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly double[] _seconds = new double[Stages.Length];
    private readonly long[] _counts = new long[Stages.Length];
    private long _batches;
    private long _batchedFrames;

    public StageTimeCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name is "videomtl_stage_duration_seconds" or "videomtl_inference_batch_size")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnStage);
        _listener.SetMeasurementEventCallback<int>(OnBatch);
        _listener.Start();
    }

    /// <summary>Mean milliseconds per frame of each stage; inference is per batch divided by the mean batch size.</summary>
    public IReadOnlyDictionary<string, double> MeanMillisecondsPerFrame()
    {
        lock (_gate)
        {
            double meanBatch = _batches == 0 ? 1 : _batchedFrames / (double)_batches;
            var result = new Dictionary<string, double>();
            for (int i = 0; i < Stages.Length; i++)
            {
                double perEvent = _counts[i] == 0 ? 0 : _seconds[i] * 1000 / _counts[i];
                result[Stages[i]] = Stages[i] == "inference" ? perEvent / meanBatch : perEvent;
            }

            return result;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnStage(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "stage" && tag.Value is string stage)
            {
                int index = Array.IndexOf(Stages, stage);
                if (index >= 0)
                {
                    lock (_gate)
                    {
                        _seconds[index] += seconds;
                        _counts[index]++;
                    }
                }
            }
        }
    }

    private void OnBatch(Instrument instrument, int size, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        lock (_gate)
        {
            _batches++;
            _batchedFrames += size;
        }
    }
}
