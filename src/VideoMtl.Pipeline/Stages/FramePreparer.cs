using System.Diagnostics;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Letterboxes a frame into a pooled tensor slot: the whole of preprocessing. Used by each file stream's
/// preprocess worker and, for live frames, by the batcher once it has chosen them. Safe on several threads at
/// once (the transform's scratch images are per thread, the slot pool is thread-safe).
/// </summary>
internal sealed class FramePreparer(LetterboxTransform letterbox, TensorSlotPool slots, PipelineOptions options)
{
    public void Prepare(FramePacket packet)
    {
        options.FaultInjection?.Invoke("preprocess", packet);
        long started = Stopwatch.GetTimestamp();
        var slot = slots.Rent();
        packet.Tensor = slot;
        packet.Geometry = letterbox.Apply(packet.Image, slot);
        packet.PreprocessMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
