namespace VideoMtl.Core.Results;

/// <summary>
/// Buffers for instance masks, shared by every <see cref="Detections"/> in the process. Unlike the shared
/// ArrayPool, which keeps only a few arrays per size and core and drops the rest, it keeps every returned
/// buffer (up to a cap per size class): a pipeline holds masks of many frames at once (each frame in the
/// sinks' queues keeps ~10), and all of them must come back for the steady state to allocate nothing.
/// </summary>
internal static class MaskBufferPool
{
    private const int MinShift = 10; // 1 KiB
    private const int MaxShift = 24; // 16 MiB: larger masks (an object filling an 8K frame) are not pooled
    private const int MaxPerClass = 512;

    private static readonly Stack<byte[]>[] Classes = Enumerable.Range(0, MaxShift - MinShift + 1).Select(_ => new Stack<byte[]>()).ToArray();
    private static readonly Lock Gate = new();

    /// <summary>A buffer of at least <paramref name="length"/> bytes (contents undefined).</summary>
    public static byte[] Rent(int length)
    {
        int index = ClassOf(length);
        if (index < 0)
        {
            return new byte[length];
        }

        lock (Gate)
        {
            if (Classes[index].TryPop(out var buffer))
            {
                return buffer;
            }
        }

        return new byte[1 << (index + MinShift)];
    }

    public static void Return(byte[] buffer)
    {
        int index = ClassOf(buffer.Length);
        if (index < 0 || buffer.Length != 1 << (index + MinShift))
        {
            return; // not one of ours
        }

        lock (Gate)
        {
            if (Classes[index].Count < MaxPerClass)
            {
                Classes[index].Push(buffer);
            }
        }
    }

    private static int ClassOf(int length)
    {
        int shift = Math.Max(MinShift, 32 - int.LeadingZeroCount(Math.Max(1, length) - 1));
        return shift > MaxShift ? -1 : shift - MinShift;
    }
}
