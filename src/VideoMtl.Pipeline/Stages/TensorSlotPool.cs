using System.Collections.Concurrent;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Reusable model-input slots (3 × H × W floats, ~4.9 MB at 640²). A slot lives from preprocess until the
/// batcher has copied it into the batch tensor, so only a handful ever exist.
/// </summary>
public sealed class TensorSlotPool
{
    private readonly ConcurrentBag<float[]> _free = [];

    /// <param name="preallocate">Slots made up front: the most the channel bounds let be in flight, so a run
    /// never allocates one mid-stream (each is a large-object-heap array).</param>
    public TensorSlotPool(int length, int preallocate = 0)
    {
        Length = length;
        for (int i = 0; i < preallocate; i++)
        {
            _free.Add(new float[length]);
        }
    }

    public int Length { get; }

    private int _outstanding;

    /// <summary>Slots rented and not yet returned: 0 once a run has ended, however it ended.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public float[] Rent()
    {
        Interlocked.Increment(ref _outstanding);
        return _free.TryTake(out var slot) ? slot : new float[Length];
    }

    public void Return(float[] slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (slot.Length == Length)
        {
            Interlocked.Decrement(ref _outstanding);
            _free.Add(slot);
        }
    }
}
