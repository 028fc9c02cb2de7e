using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace VideoMtl.Cli.Http;

/// <summary>
/// Kestrel's connection buffers (4 KiB pinned blocks), pooled so that a crowd's memory goes back once the crowd
/// leaves. Kestrel's own pool gives idle blocks up by 1% every 10 s while any request arrives (and Prometheus's
/// scrapes keep arriving): after 500 silent viewers had left, the ~50 MB their unsent frames took stayed for tens of
/// minutes. This one keeps, every <see cref="TrimPeriod"/>, only the free blocks the busiest moment of the last period
/// needed beyond those out now, so within two periods of a crowd leaving its blocks are unrooted; and once a crowd
/// that took much (<see cref="CollectAfterBytes"/>) has gone, it asks for one full, compacting collection, since pinned
/// blocks are only reclaimed by one, a pipeline that allocates little seldom gets one by itself, and only an
/// aggressive one gives the heap's emptied memory back to the system.
/// </summary>
internal sealed class ReturningBlockPool : MemoryPool<byte>
{
    public const int BlockSize = 4096;

    /// <summary>How often the free blocks are trimmed.</summary>
    public static readonly TimeSpan TrimPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Free blocks always kept (1 MiB): the steady traffic of a few viewers and scrapes never allocates.</summary>
    private const int MinimumFree = 256;

    /// <summary>A crowd that took at least this much in blocks is worth a full collection once it has gone.</summary>
    private const long CollectAfterBytes = 16L << 20;

    private readonly ConcurrentQueue<Block> _free = new();
    private readonly Timer? _timer;
    private int _rented;
    private int _peakRented;
    private int _freeCount;
    private long _created;
    private long _peakBytes; // the most the pool held since the last collection it asked for; trim thread only
    private volatile bool _disposed;

    public ReturningBlockPool(bool trimOnTimer = true)
    {
        // The timer holds no reference that keeps the pool alive beyond Dispose, which stops it.
        _timer = trimOnTimer ? new Timer(static state => ((ReturningBlockPool)state!).Trim(), this, TrimPeriod, TrimPeriod) : null;
    }

    public override int MaxBufferSize => BlockSize;

    /// <summary>Bytes in blocks now, lent out or free.</summary>
    public long Bytes => (long)(Volatile.Read(ref _rented) + Volatile.Read(ref _freeCount)) * BlockSize;

    /// <summary>Blocks made since the start (how often the pool had none free).</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Whether the last trim asked for a collection: a crowd came and has gone (for tests).</summary>
    public bool CollectionRequested { get; private set; }

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int rented = Interlocked.Increment(ref _rented);
        int peak;
        while ((peak = Volatile.Read(ref _peakRented)) < rented && Interlocked.CompareExchange(ref _peakRented, rented, peak) != peak)
        {
        }

        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            return block;
        }

        Interlocked.Increment(ref _created);
        return new Block(this);
    }

    /// <summary>Drops the free blocks that the last period did not need; returns the bytes it unrooted.</summary>
    public long Trim()
    {
        int rented = Volatile.Read(ref _rented);
        int peak = Interlocked.Exchange(ref _peakRented, rented);
        _peakBytes = Math.Max(_peakBytes, (long)(peak + Volatile.Read(ref _freeCount)) * BlockSize);
        int keep = Math.Max(MinimumFree, peak - rented);
        long dropped = 0;
        while (Volatile.Read(ref _freeCount) > keep && _free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _freeCount);
            dropped += BlockSize;
        }

        // Gone: the pool is back to what steady traffic holds, after holding much more.
        CollectionRequested = _peakBytes >= CollectAfterBytes && Bytes <= 2L * MinimumFree * BlockSize;
        if (CollectionRequested)
        {
            _peakBytes = 0;
        }

        if (CollectionRequested && _timer is not null)
        {
            // One blocking full collection after a crowd: a few tens of milliseconds, and the memory goes back to the
            // system (aggressive mode decommits what the heap no longer uses).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            // The runtime's own native allocations for the crowd's connections and threads were freed into glibc's
            // arenas, which keep them until asked: this asks (Linux with glibc only; elsewhere nothing to do).
            if (OperatingSystem.IsLinux())
            {
                try
                {
                    _ = MallocTrim(0);
                }
                catch (EntryPointNotFoundException)
                {
                    // Not glibc (musl has no malloc_trim).
                }
            }
        }

        return dropped;
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _timer?.Dispose();
        while (_free.TryDequeue(out _))
        {
        }
    }

    private void Return(Block block)
    {
        Interlocked.Decrement(ref _rented);
        if (!_disposed)
        {
            _free.Enqueue(block);
            Interlocked.Increment(ref _freeCount);
        }
    }

    private sealed class Block(ReturningBlockPool pool) : IMemoryOwner<byte>
    {
        // Pinned: Kestrel's sockets read and write these buffers in place.
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), 0, BlockSize);

        public void Dispose() => pool.Return(this);
    }
}
