using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prometheus;
using VideoMtl.Cli.Configuration;
using VideoMtl.Cluster;
using VideoMtl.Pipeline;

namespace VideoMtl.Cli.Clustering;

/// <summary>
/// <c>run --cluster</c>: this instance's pipeline captures only the streams the cluster gives it. It joins once the
/// model is loaded (a stream never comes to an instance that cannot process it yet), and a clean stop hands its
/// streams over before the pipeline stops.
/// </summary>
internal sealed class ClusterRun : IAsyncDisposable
{
    private readonly ClusterNodeOptions _options;
    private readonly TimeSpan _leaveTimeout;
    private readonly ILogger _logger;
    private ClusterNode? _node;
    private Redis.RedisResultHistory? _history;
    private Redis.RedisClusterClaim? _claim;

    private ClusterRun(ClusterNodeOptions options, TimeSpan leaveTimeout, ILogger logger)
    {
        _options = options;
        _leaveTimeout = leaveTimeout;
        _logger = logger;
        Leases = new StreamLeases(options.Streams);
    }

    /// <summary>The leases the pipeline's captures wait on (its <see cref="PipelineOptions.Ownership"/>).</summary>
    public StreamLeases Leases { get; }

    public string NodeName => _options.NodeName;

    /// <summary>Checks the Cluster settings; every problem is one line naming the setting and the fix.</summary>
    public static ClusterRun Prepare(ClusterSettings settings, IReadOnlyList<string> streams, ILoggerFactory loggers)
    {
        string node = settings.NodeName ?? Environment.MachineName.ToLowerInvariant();
        if (!(settings.JoinTimeoutSeconds is > 0 and <= 3600) || !(settings.HeartbeatPauseSeconds is >= 1 and <= 600)
            || !(settings.StableAfterSeconds is >= 1 and <= 600) || !(settings.LeaveTimeoutSeconds is > 0 and <= 3600))
        {
            throw new UserError("Cluster:JoinTimeoutSeconds, HeartbeatPauseSeconds, StableAfterSeconds and LeaveTimeoutSeconds must be positive (at most 600 s for the failure detection ones, 3600 for the others)");
        }

        var options = new ClusterNodeOptions
        {
            SystemName = settings.Name,
            NodeName = node,
            Host = settings.Host,
            Port = settings.Port,
            // Alone by default: an instance with no seeds is the first seed of its own cluster.
            Seeds = settings.Seeds.Count > 0 ? settings.Seeds : [$"{settings.Host}:{settings.Port}"],
            Streams = streams,
            Roles = settings.Roles.Count > 0 ? settings.Roles : [ClusterNodeOptions.StreamsRole],
            JoinTimeout = TimeSpan.FromSeconds(settings.JoinTimeoutSeconds),
            HeartbeatPause = TimeSpan.FromSeconds(settings.HeartbeatPauseSeconds),
            StableAfter = TimeSpan.FromSeconds(settings.StableAfterSeconds),
        };
        try
        {
            options.Validate();
            ClusterNode.CheckPortFree(options);
        }
        catch (Exception e) when (e is ArgumentException or ClusterStartException)
        {
            throw new UserError(e.Message, e);
        }

        return new ClusterRun(options, TimeSpan.FromSeconds(settings.LeaveTimeoutSeconds), loggers.CreateLogger("cluster"));
    }

    /// <summary>
    /// Joins once the pipeline is ready. With Redis, a stream taken over continues after the last frame Redis has
    /// of it, and a hand-over waits for the Redis sink to be flushed.
    /// </summary>
    public async Task JoinWhenReadyAsync(
        PipelineRunner runner, Redis.RedisConnection? redis, Func<bool> sinksFlushed, CollectorRegistry registry, ILoggerFactory loggers, Task run, CancellationToken cancellation)
    {
        while (!runner.IsReady)
        {
            if (run.IsCompleted)
            {
                return;
            }

            await Task.Delay(50, cancellation).ConfigureAwait(false);
        }

        if (redis is not null)
        {
            // One Redis, one cluster: two clusters writing the same result streams would interleave their frames.
            string identity = $"{_options.SystemName}@{_options.Seeds[0]}";
            var (claim, other) = await Redis.RedisClusterClaim.ClaimAsync(redis, identity).ConfigureAwait(false);
            if (other is not null)
            {
                throw new UserError($"Redis:Url {redis.Endpoint.Redacted} holds the results of another cluster ({other}), not of this one ({identity}): give each cluster its own Redis or database (redis://host:port/N), or the same Cluster:Name and Cluster:Seeds to make them one");
            }

            _claim = claim;
            _history = new Redis.RedisResultHistory(redis);
        }

        var history = _history;
        Func<string, Task<ResumePoint?>> resume = history is null
            ? static _ => Task.FromResult<ResumePoint?>(null)
            : async stream => await history.LastAsync(stream).ConfigureAwait(false) is { } last ? new ResumePoint(last.Frame, last.Instance) : null;
        try
        {
            _node = await ClusterNode.StartAsync(_options, Leases, resume, sinksFlushed, registry, loggers, cancellation).ConfigureAwait(false);
        }
        catch (ClusterStartException e)
        {
            throw new UserError(e.Message, e);
        }
    }

    /// <summary>Hands this instance's streams over (bounded by Cluster:LeaveTimeoutSeconds).</summary>
    public async Task LeaveAsync()
    {
        if (_node is { } node)
        {
            await node.LeaveAsync(_leaveTimeout).ConfigureAwait(false);
        }
    }

    /// <summary>The body of <c>/cluster</c>, or null while this instance has not joined yet.</summary>
    public async Task<byte[]?> DescribeAsync()
    {
        if (_node is not { } node)
        {
            return null;
        }

        var snapshot = await node.SnapshotAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(new
        {
            self = snapshot.Self,
            leader = snapshot.Leader,
            members = snapshot.Members.Select(m => new { name = m.Name, address = m.Address, roles = m.Roles, state = m.State, self = m.Self, streams = m.Streams }),
            unowned = snapshot.Unowned,
            owned_here = Leases.Owned,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }

        if (_claim is not null)
        {
            await _claim.DisposeAsync().ConfigureAwait(false);
        }

        _logger.LogDebug("cluster: {Node} stopped", _options.NodeName);
    }
}
