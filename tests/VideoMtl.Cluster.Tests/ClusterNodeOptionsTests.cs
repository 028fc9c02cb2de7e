using System.Net;
using System.Net.Sockets;

namespace VideoMtl.Cluster.Tests;

/// <summary>Settings checked before anything starts, each message naming the setting and the fix.</summary>
public sealed class ClusterNodeOptionsTests
{
    [Theory]
    [InlineData("box 1", 4053, "127.0.0.1:4053", "Cluster:NodeName 'box 1'")]
    [InlineData("box-1", 0, "127.0.0.1:4053", "Cluster:Port 0 is out of range")]
    [InlineData("box-1", 4053, "box", "Cluster:Seeds entry 'box' is not host:port")]
    [InlineData("box-1", 4053, "box:99999", "Cluster:Seeds entry 'box:99999' is not host:port")]
    public void Bad_settings_are_named(string node, int port, string seed, string expected)
    {
        var options = new ClusterNodeOptions { NodeName = node, Port = port, Seeds = [seed], Streams = ["cam"] };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node-x")]
    [InlineData("gpu box")]
    [InlineData("")]
    public void A_bad_role_is_named(string role)
    {
        var options = new ClusterNodeOptions { NodeName = "a", Seeds = ["127.0.0.1:4053"], Streams = [], Roles = [role] };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith($"Cluster:Roles entry '{role}' is not usable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_seeds_is_named()
    {
        var e = Assert.Throws<ArgumentException>(new ClusterNodeOptions { NodeName = "a", Seeds = [], Streams = [] }.Validate);
        Assert.StartsWith("Cluster:Seeds is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_becomes_an_akka_address() =>
        Assert.Equal("akka.tcp://videomtl@10.0.0.1:4053", SeedAddress.Parse("10.0.0.1:4053").ToAkkaAddress("videomtl"));

    [Fact]
    public void A_port_in_use_is_found_before_anything_starts()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var e = Assert.Throws<ClusterStartException>(() => ClusterNode.CheckPortFree(new ClusterNodeOptions { NodeName = "a", Port = port, Seeds = ["127.0.0.1:1"], Streams = [] }));
        Assert.Contains($"Cluster:Port {port} on 127.0.0.1 is in use", e.Message, StringComparison.Ordinal);
    }
}
