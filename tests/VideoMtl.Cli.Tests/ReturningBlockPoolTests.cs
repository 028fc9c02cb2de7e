using VideoMtl.Cli.Http;

namespace VideoMtl.Cli.Tests;

/// <summary>The HTTP server's buffer pool: it keeps what steady traffic needs and lets a crowd's blocks go once the crowd has left.</summary>
public sealed class ReturningBlockPoolTests
{
    [Fact]
    public void A_crowds_blocks_are_let_go_within_two_trims_after_it_leaves()
    {
        using var pool = new ReturningBlockPool(trimOnTimer: false);
        var crowd = Enumerable.Range(0, 10_000).Select(_ => pool.Rent()).ToList();
        Assert.Equal(10_000L * ReturningBlockPool.BlockSize, pool.Bytes);
        Assert.Equal(0, pool.Trim()); // in use: nothing to let go
        crowd.ForEach(b => b.Dispose());

        // The period that saw the crowd keeps its free blocks (the crowd may come back); the next, quiet one does not.
        Assert.Equal(0, pool.Trim());
        long dropped = pool.Trim();
        Assert.Equal((10_000L - 256) * ReturningBlockPool.BlockSize, dropped);
        Assert.True(pool.CollectionRequested, "40 MB let go at once asks for a collection");
        Assert.Equal(256L * ReturningBlockPool.BlockSize, pool.Bytes);
    }

    [Fact]
    public void Steady_traffic_reuses_blocks_and_never_asks_for_a_collection()
    {
        using var pool = new ReturningBlockPool(trimOnTimer: false);
        for (int period = 0; period < 5; period++)
        {
            for (int i = 0; i < 100; i++)
            {
                var blocks = Enumerable.Range(0, 50).Select(_ => pool.Rent()).ToList();
                Assert.All(blocks, b => Assert.Equal(ReturningBlockPool.BlockSize, b.Memory.Length));
                blocks.ForEach(b => b.Dispose());
            }

            pool.Trim();
            Assert.False(pool.CollectionRequested);
        }

        Assert.Equal(50, pool.Created);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(ReturningBlockPool.BlockSize + 1));
    }
}
