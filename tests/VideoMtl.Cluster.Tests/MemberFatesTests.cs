namespace VideoMtl.Cluster.Tests;

/// <summary>The hand-over reason from what became of the stream's last publisher.</summary>
public sealed class MemberFatesTests
{
    [Fact]
    public void Each_fate_gives_its_reason()
    {
        var fates = new MemberFates();
        fates.Up("a");
        fates.Up("b");
        fates.Up("c");
        fates.Left("b");
        fates.Died("c");
        fates.Left("c"); // removed after being downed: still a failover

        Assert.Equal("initial", fates.ReasonFrom(null, "a"));
        Assert.Equal("returned", fates.ReasonFrom("a", "a"));
        Assert.Equal("rebalance", fates.ReasonFrom("a", "b"));
        Assert.Equal("leave", fates.ReasonFrom("b", "a"));
        Assert.Equal("failover", fates.ReasonFrom("c", "a"));
        Assert.Equal("failover", fates.ReasonFrom("never-seen", "a"));
    }
}
