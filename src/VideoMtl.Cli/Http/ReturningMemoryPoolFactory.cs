using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace VideoMtl.Cli.Http;

/// <summary>Gives Kestrel <see cref="ReturningBlockPool"/>s (registered in the server's services, where Kestrel's transport looks for its pool factory) and keeps them, for the buffer gauge.</summary>
internal sealed class ReturningMemoryPoolFactory : IMemoryPoolFactory<byte>, IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<ReturningBlockPool> _pools = [];

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new ReturningBlockPool();
        lock (_gate)
        {
            _pools.Add(pool);
        }

        return pool;
    }

    /// <summary>Bytes in every pool's blocks, lent out or free.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _pools.Sum(p => p.Bytes);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var pool in _pools)
            {
                pool.Dispose();
            }
        }
    }
}
