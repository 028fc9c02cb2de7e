using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace VideoMtl.Cluster;

/// <summary>
/// This instance as a member of the cluster (Akka.NET Cluster Sharding, hosted by Akka.Hosting): it joins through
/// the seeds, takes the streams the cluster gives it (one sharded entity per stream, remembered, so a stream of a
/// dead instance starts again on a live one), and on <see cref="LeaveAsync"/> hands its streams over before it goes.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly ActorSystem _system;
    private readonly IActorRef _region;
    private readonly ClusterNodeOptions _options;
    private readonly StreamLeases _leases;
    private readonly ILogger _logger;
    private int _left;

    private ClusterNode(IHost host, ClusterNodeOptions options, StreamLeases leases, ILogger logger)
    {
        _host = host;
        _options = options;
        _leases = leases;
        _logger = logger;
        _system = host.Services.GetRequiredService<ActorSystem>();
        _region = host.Services.GetRequiredService<ActorRegistry>().Get<StreamRegion>();
    }

    /// <summary>This instance's address as members see it.</summary>
    public string Address => Akka.Cluster.Cluster.Get(_system).SelfAddress.ToString();

    /// <summary>Joins the cluster and starts sharing out the streams; returns once this instance is an Up member.</summary>
    /// <param name="resume">Where a stream's results stopped (its last frame and who published it), or null when unknown.</param>
    /// <param name="sinksFlushed">True when the sinks hold nothing unsent: a hand-over waits for it (bounded).</param>
    /// <exception cref="ClusterStartException">The port is taken, no seed answered in time, or the name is taken.</exception>
    public static async Task<ClusterNode> StartAsync(
        ClusterNodeOptions options, StreamLeases leases, Func<string, Task<ResumePoint?>> resume, Func<bool> sinksFlushed,
        CollectorRegistry registry, ILoggerFactory loggers, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(leases);
        options.Validate();
        CheckPortFree(options);
        var logger = loggers.CreateLogger("cluster");
        var fates = new MemberFates();
        ClusterNode? node = null;
        var metrics = new ClusterMetrics(registry, () => node?.MembersByState() ?? new Dictionary<string, int>(), () => leases.Owned.Count);
        var context = new StreamEntityContext(options.NodeName, leases, resume, sinksFlushed, options.FlushTimeout, fates, metrics, logger);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddAkka(options.SystemName, akka =>
        {
            akka.ConfigureLoggers(setup =>
                {
                    setup.LogLevel = Akka.Event.LogLevel.WarningLevel;
                    setup.ClearLoggers();
                    setup.AddLoggerFactory(loggers);
                })
                .AddHocon(Tuning(options), HoconAddMode.Prepend)
                .WithRemoting(options.Host, options.Port)
                .WithClustering(new ClusterOptions
                {
                    Roles = [.. options.Roles, options.NodeRole],
                    SeedNodes = [.. options.Seeds.Select(s => SeedAddress.Parse(s).ToAkkaAddress(options.SystemName))],
                    SplitBrainResolver = new KeepMajorityOption(),
                })
                .WithShardRegion<StreamRegion>(
                    "stream",
                    (_, _, _) => stream => Props.Create(() => new StreamEntity(stream, context)),
                    new StreamMessageExtractor(),
                    new ShardOptions
                    {
                        RememberEntities = true,
                        StateStoreMode = StateStoreMode.DData,
                        RememberEntitiesStore = RememberEntitiesStore.DData,
                        HandOffStopMessage = StopStream.Instance,
                        // Members without the role run the region as a proxy: they send, never host.
                        Role = ClusterNodeOptions.StreamsRole,
                    })
                .WithActors((system, _) => system.ActorOf(Props.Create(() => new MembershipWatcher(fates)), "membership"));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellation).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose(); // a host that did not start cannot be stopped
            throw;
        }

        try
        {
            node = new ClusterNode(host, options, leases, logger);
            await node.JoinAsync(cancellation).ConfigureAwait(false);
            node.CheckNameIsFree();
        }
        catch
        {
            await StopHostAsync(host).ConfigureAwait(false);
            throw;
        }

        foreach (string stream in options.Streams)
        {
            node._region.Tell(new StreamShare(stream));
        }

        logger.LogInformation("cluster: {Node} is up at {Address}; {Count} streams shared out through seeds {Seeds}", options.NodeName, node.Address, options.Streams.Count, string.Join(", ", options.Seeds));
        return node;
    }

    /// <summary>Members, their states and the streams each owns (asked of the shard regions), for /cluster.</summary>
    public async Task<ClusterSnapshot> SnapshotAsync(TimeSpan timeout)
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        var state = cluster.State;
        IReadOnlyDictionary<Address, ShardRegionStats> regions;
        try
        {
            regions = (await _region.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false)).Regions;
        }
        catch (AskTimeoutException)
        {
            regions = new Dictionary<Address, ShardRegionStats>();
        }

        var members = state.Members
            .Select(m => new ClusterMember(
                MembershipWatcher.NodeName(m),
                m.Address.ToString(),
                [.. m.Roles.Where(r => !r.StartsWith(ClusterNodeOptions.NodeRolePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)],
                state.Unreachable.Contains(m) ? "unreachable" : m.Status.ToString().ToLowerInvariant(),
                m.Address == cluster.SelfAddress,
                regions.TryGetValue(m.Address, out var r) ? [.. r.Stats.Where(s => s.Value > 0).Select(s => s.Key).Order(StringComparer.Ordinal)] : []))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
        var owned = members.SelectMany(m => m.Streams).ToHashSet(StringComparer.Ordinal);
        return new ClusterSnapshot(
            _options.NodeName, state.Leader?.ToString(), members, [.. _options.Streams.Where(s => !owned.Contains(s)).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Leaves the cluster cleanly: this instance's streams are handed over (each stops here, its last results
    /// flushed, before it starts elsewhere), then the actor system ends. Bounded by <paramref name="timeout"/>.
    /// </summary>
    public async Task LeaveAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _left, 1) != 0)
        {
            return;
        }

        _logger.LogInformation("cluster: leaving; handing over {Streams}", string.Join(", ", _leases.Owned));
        // Leaving first, then the shutdown: the other members see this one leaving before its shards move, so the
        // streams it hands over are counted as reason "leave", and the coordinator allocates nothing to it meanwhile.
        // (CoordinatedShutdown alone hands shards off before it leaves, when the others still see it up.)
        var cluster = Akka.Cluster.Cluster.Get(_system);
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberRemoved(() => removed.TrySetResult());
        cluster.Leave(cluster.SelfAddress);
        // Akka runs the coordinated shutdown itself once this member is exiting (its shards handed off in it);
        // asked for here too, it is the same run, awaited to its end.
        var leaving = removed.Task.ContinueWith(
            _ => CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        if (await Task.WhenAny(leaving, Task.Delay(timeout)).ConfigureAwait(false) != leaving)
        {
            _logger.LogWarning("cluster: leaving took more than {Seconds:0} s: going without the rest of the hand-over", timeout.TotalSeconds);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopHostAsync(_host).ConfigureAwait(false);
    }

    private Dictionary<string, int> MembersByState()
    {
        var state = Akka.Cluster.Cluster.Get(_system).State;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in state.Members)
        {
            string key = state.Unreachable.Contains(member) ? "unreachable" : member.Status.ToString().ToLowerInvariant();
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    private async Task JoinAsync(CancellationToken cancellation)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(_system).RegisterOnMemberUp(() => up.TrySetResult());
        try
        {
            await up.Task.WaitAsync(_options.JoinTimeout, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new ClusterStartException(string.Create(CultureInfo.InvariantCulture,
                $"could not join the cluster through the seeds {string.Join(", ", _options.Seeds)} within {_options.JoinTimeout.TotalSeconds:0} s: start the first seed (it forms the cluster), or fix Cluster:Seeds"), e);
        }
    }

    /// <summary>Two instances with one name would make the results and /cluster ambiguous: the newcomer gives way.</summary>
    private void CheckNameIsFree()
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        var other = cluster.State.Members.FirstOrDefault(m => m.Address != cluster.SelfAddress && m.HasRole(_options.NodeRole));
        if (other is not null)
        {
            throw new ClusterStartException(
                $"another instance ({other.Address}) is already in the cluster as '{_options.NodeName}': give each instance its own Cluster:NodeName");
        }
    }

    /// <summary>Fails at once when the cluster port cannot be bound (before a model load makes the user wait for the error).</summary>
    /// <exception cref="ClusterStartException">The port is in use, or the host is not an address of this machine.</exception>
    public static void CheckPortFree(ClusterNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IPAddress.TryParse(options.Host, out var address))
        {
            address = IPAddress.Any;
        }

        try
        {
            using var probe = new TcpListener(address, options.Port);
            probe.Start();
            probe.Stop();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new ClusterStartException($"Cluster:Port {options.Port} on {options.Host} is in use (another instance or program listens there): give each instance its own Cluster:Port", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw new ClusterStartException($"Cluster:Host {options.Host} is not an address of this machine: use one of its addresses (127.0.0.1 for a cluster on one machine)", e);
        }
    }

    private static async Task StopHostAsync(IHost host)
    {
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await host.StopAsync(bound.Token).ConfigureAwait(false);
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>Failure detection, downing and sharding tuned for a failover well inside 30 s (README "Many machines").</summary>
    private static string Tuning(ClusterNodeOptions options) => string.Create(CultureInfo.InvariantCulture, $$"""
        akka {
          coordinated-shutdown {
            exit-clr = off
            run-by-clr-shutdown-hook = off
            phases.cluster-sharding-shutdown-region.timeout = 30s
          }
          cluster {
            log-info = off
            failure-detector {
              heartbeat-interval = 1s
              acceptable-heartbeat-pause = {{options.HeartbeatPause.TotalMilliseconds:0}}ms
              threshold = 8.0
            }
            split-brain-resolver.stable-after = {{options.StableAfter.TotalMilliseconds:0}}ms
            sharding {
              rebalance-interval = 2s
              # Moves only what is above a fair share (a newcomer to 2 instances with 6 streams takes 2, not 3
              # that then partly come back).
              least-shard-allocation-strategy {
                rebalance-absolute-limit = 100
                rebalance-relative-limit = 1.0
              }
              retry-interval = 1s
              coordinator-failure-backoff = 2s
              entity-restart-backoff = 2s
              shard-failure-backoff = 2s
              waiting-for-state-timeout = 2s
              distributed-data.durable.keys = []
            }
          }
        }
        """);
}
