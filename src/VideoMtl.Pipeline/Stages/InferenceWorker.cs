using System.Diagnostics;
using System.Threading.Channels;
using VideoMtl.Core.Model;
using VideoMtl.Onnx;
using VideoMtl.Pipeline.Metrics;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// The one inference worker: takes the first waiting frame, gathers more (from any stream) until the
/// batch is full or <see cref="PipelineOptions.MaxBatchWait"/> has passed, runs the batch in one call and
/// hands each frame on with a reference to the shared outputs.
/// </summary>
internal sealed class InferenceWorker(
    MultiTaskModel model, PipelineOptions options, TensorSlotPool slots, ChannelReader<FramePacket> input, ChannelWriter<FramePacket> output, PipelineMetrics metrics) : IDisposable
{
    private readonly List<FramePacket> _batch = new(options.MaxBatch);
    private readonly float[] _input = new float[options.MaxBatch * slots.Length];
    private CancellationTokenSource _window = new();

    /// <summary>How many batches of each size ran (index = size).</summary>
    public long[] BatchSizes { get; } = new long[options.MaxBatch + 1];

    public async Task RunAsync(CancellationToken cancellation)
    {
        while (await input.WaitToReadAsync(cancellation).ConfigureAwait(false))
        {
            _batch.Clear();
            if (!input.TryRead(out var first))
            {
                continue;
            }

            _batch.Add(first);
            if (options.MaxBatch > 1)
            {
                await FillAsync(cancellation).ConfigureAwait(false);
            }

            Run();
            foreach (var packet in _batch)
            {
                await output.WriteAsync(packet, cancellation).ConfigureAwait(false);
            }
        }
    }

    private async Task FillAsync(CancellationToken cancellation)
    {
        while (_batch.Count < options.MaxBatch && input.TryRead(out var ready))
        {
            _batch.Add(ready);
        }

        if (_batch.Count == options.MaxBatch || options.MaxBatchWait == TimeSpan.Zero)
        {
            return; // the common case when inference is the bottleneck: no timer, no allocation
        }

        // The window's source is reused while it has not fired (TryReset), so waiting costs a timer only.
        if (!_window.TryReset())
        {
            _window.Dispose();
            _window = new CancellationTokenSource();
        }

        _window.CancelAfter(options.MaxBatchWait);
        using var link = cancellation.CanBeCanceled ? cancellation.UnsafeRegister(static w => ((CancellationTokenSource)w!).Cancel(), _window) : default;
        try
        {
            while (_batch.Count < options.MaxBatch)
            {
                if (input.TryRead(out var next))
                {
                    _batch.Add(next);
                    continue;
                }

                if (!await input.WaitToReadAsync(_window.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The wait window closed: run what we have.
        }
    }

    public void Dispose() => _window.Dispose();

    private void Run()
    {
        long started = Stopwatch.GetTimestamp();
        int count = _batch.Count;
        int length = slots.Length;
        for (int i = 0; i < count; i++)
        {
            var packet = _batch[i];
            packet.Tensor.AsSpan().CopyTo(_input.AsSpan(i * length, length));
            slots.Return(packet.Tensor!);
            packet.Tensor = null;
        }

        using var tensor = OrtTensor.FromMemory(_input.AsMemory(0, count * length), [count, 3, model.Description.InputHeight, model.Description.InputWidth]);
        var outputs = new BatchOutputs(model.Session.Run([tensor]), count);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        for (int i = 0; i < count; i++)
        {
            _batch[i].Batch = outputs;
            _batch[i].BatchIndex = i;
            _batch[i].InferenceMs = elapsed;
        }

        BatchSizes[count]++;
        metrics.BatchRan(count, elapsed / 1000);
    }
}
