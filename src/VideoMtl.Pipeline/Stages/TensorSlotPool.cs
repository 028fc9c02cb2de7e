using System.Collections.Concurrent;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Reusable model-input slots (3 × H × W floats, ~4.9 MB at 640²). A slot lives from preprocess until the
/// batcher has copied it into the batch tensor, so only a handful ever exist.
/// </summary>
public sealed class TensorSlotPool(int length)
{
    private readonly ConcurrentBag<float[]> _free = [];

    public int Length { get; } = length;

    public float[] Rent() => _free.TryTake(out var slot) ? slot : new float[Length];

    public void Return(float[] slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (slot.Length == Length)
        {
            _free.Add(slot);
        }
    }
}
