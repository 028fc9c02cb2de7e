using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.Logging;

namespace VideoMtl.Cluster;

/// <summary>
/// One stream's sharded entity: it exists on exactly one live instance, and while it lives there that instance
/// captures the stream. Starting, it finds where the stream's results stopped (Redis) and grants the local lease
/// from the next frame; told to stop (its shard moves, or this instance leaves), it revokes the lease and stops
/// only once capture has let go and the last results have reached the sinks, so the next owner never overlaps.
/// A source that ends for good passivates the entity, which remember-entities then forgets.
/// </summary>
internal sealed class StreamEntity : ReceiveActor
{
    private readonly string _stream;
    private readonly StreamEntityContext _context;
    private ClusterLease? _lease;
    private bool _stopping;

    public StreamEntity(string stream, StreamEntityContext context)
    {
        _stream = stream;
        _context = context;
        Receive<StreamShare>(_ => { }); // already started: the message only brings the entity to life
        Receive<Resumed>(OnResumed);
        Receive<SourceDone>(_ => Context.Parent.Tell(new Passivate(StopStream.Instance)));
        Receive<StopStream>(_ => OnStop());
        Receive<LetGo>(_ => Context.Stop(Self));
    }

    protected override void PreStart()
    {
        if (!_context.Leases.Knows(_stream))
        {
            _context.Logger.LogError("cluster: stream {Stream} is not in this instance's sources: give every instance the same Sources", _stream);
            return;
        }

        var resume = _context.Resume;
        string stream = _stream;
        Task.Run(async () =>
        {
            try
            {
                return new Resumed(await resume(stream).ConfigureAwait(false), null);
            }
            catch (Exception e)
            {
                return new Resumed(null, e);
            }
        }).PipeTo(Self);
    }

    protected override void PostStop()
    {
        // The actor system is going down without a hand-over (the run ends): capture stops with the run anyway.
        _lease?.Revoke();
    }

    private void OnResumed(Resumed resumed)
    {
        if (_stopping)
        {
            Context.Stop(Self);
            return;
        }

        if (resumed.Error is { } error)
        {
            _context.Logger.LogWarning("cluster: {Stream}: where its results stopped is unknown ({Problem}): starting at frame 0", _stream, error.GetType().Name);
        }

        long first = resumed.Point is { } point ? point.LastFrame + 1 : 0;
        string reason = _context.Fates.ReasonFrom(resumed.Point?.Instance, _context.NodeName);
        _context.Metrics.HandedOver(reason);
        _context.Logger.LogInformation("cluster: {Stream} comes to this instance ({Reason}), from frame {Frame}", _stream, reason, first);
        _lease = _context.Leases.Grant(_stream, first);
        _lease.Completed.ContinueWith(static _ => SourceDone.Instance, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).PipeTo(Self);
    }

    private void OnStop()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        if (_lease is null)
        {
            // Still finding where to resume: it stops when that answer comes (OnResumed), or now if it never will.
            if (!_context.Leases.Knows(_stream))
            {
                Context.Stop(Self);
            }

            return;
        }

        var lease = _lease;
        if (!_context.Leases.Withdraw(lease))
        {
            lease.Revoke();
        }

        var flushed = _context.SinksFlushed;
        var bound = _context.FlushTimeout;
        var logger = _context.Logger;
        string stream = _stream;
        Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            await lease.Released.ConfigureAwait(false);
            // The old owner's last results must be in Redis before the new owner's first.
            var flushing = Stopwatch.StartNew();
            while (!flushed() && flushing.Elapsed < bound)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }

            logger.LogInformation("cluster: {Stream} let go in {Seconds:0.00} s", stream, clock.Elapsed.TotalSeconds);
            return LetGo.Instance;
        }).PipeTo(Self);
    }

    private sealed record Resumed(ResumePoint? Point, Exception? Error);

    private sealed class SourceDone
    {
        public static readonly SourceDone Instance = new();
    }

    private sealed class LetGo
    {
        public static readonly LetGo Instance = new();
    }
}
