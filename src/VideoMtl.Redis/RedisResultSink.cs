using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Prometheus;
using StackExchange.Redis;
using VideoMtl.Core.Model;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Redis;

/// <summary>
/// Publishes every result to Redis Streams: one entry per frame on <c>videomtl:results:&lt;stream&gt;</c> (fields
/// stream, frame, pts_ms and result, the NDJSON line) trimmed with <c>MAXLEN ~</c>, and each stream's state
/// changes on <c>videomtl:events</c>. Redis being down or slow never holds up the pipeline: <see cref="Write"/>
/// only queues (a bounded queue; when full the oldest result is dropped and counted in
/// <c>videomtl_sink_dropped_total{sink="redis"}</c>), and one publisher task sends, retrying with a growing
/// pause while Redis is away (StackExchange.Redis reconnects by itself).
/// </summary>
public sealed class RedisResultSink : IFrameSink
{
    private static readonly TimeSpan StatusPoll = TimeSpan.FromSeconds(1);

    private readonly RedisConnection _connection;
    private readonly RedisSinkOptions _options;
    private readonly ILogger? _logger;
    private readonly ResultLine _line;
    private readonly Channel<Entry> _queue;
    private readonly Counter.Child _dropped;
    private readonly Counter.Child _published;
    private readonly Dictionary<StreamState, StreamStatus> _seen = [];
    private readonly Lock _seenLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _publisher;
    private bool _completed;
    private int _sending;

    /// <param name="connection">Shared, not owned: its owner disposes it after the sink.</param>
    public RedisResultSink(RedisConnection connection, ModelDescription model, RedisSinkOptions? options = null, CollectorRegistry? registry = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _options = options ?? new RedisSinkOptions();
        _options.Validate();
        _logger = logger;
        _line = new ResultLine(model);
        var factory = Metrics.WithCustomRegistry(registry ?? Metrics.NewCustomRegistry());
        _dropped = factory.CreateCounter("videomtl_sink_dropped_total", "Results a sink could not deliver in time and dropped, by sink", ["sink"]).WithLabels(Name);
        _published = factory.CreateCounter("videomtl_sink_published_total", "Results a sink delivered, by sink", ["sink"]).WithLabels(Name);
        // A full queue drops its oldest result: the newest results are the ones worth having once Redis is back.
        _queue = Channel.CreateBounded<Entry>(
            new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
            dropped =>
            {
                if (dropped.IsResult)
                {
                    _dropped.Inc();
                }
            });
        _publisher = Task.Run(PublishAsync);
    }

    public string Name => "redis";

    public bool NeedsPixels => false;

    /// <summary>Results dropped so far (queue full while Redis was away or slow).</summary>
    public long Dropped => (long)_dropped.Value;

    /// <summary>Results Redis has accepted so far.</summary>
    public long Published => (long)_published.Value;

    public bool Write(FramePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        NoteStatus(packet.Stream);
        byte[] payload = _line.Build(packet).ToArray();
        NameValueEntry[] fields = _options.Instance is { } instance
            ? [
                new NameValueEntry("stream", packet.Stream.Name),
                new NameValueEntry("frame", packet.FrameIndex),
                new NameValueEntry("pts_ms", Math.Round(packet.PtsMs, 3)),
                new NameValueEntry("instance", instance),
                new NameValueEntry("result", payload),
            ]
            : [
                new NameValueEntry("stream", packet.Stream.Name),
                new NameValueEntry("frame", packet.FrameIndex),
                new NameValueEntry("pts_ms", Math.Round(packet.PtsMs, 3)),
                new NameValueEntry("result", payload),
            ];
        _queue.Writer.TryWrite(new Entry(RedisKeys.Results(packet.Stream.Name), fields, IsResult: true));
        return false;
    }

    /// <summary>Entries queued and not yet accepted by Redis (a hand-over waits for 0, bounded).</summary>
    public int Pending => _queue.Reader.Count + Volatile.Read(ref _sending);

    public void Complete()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        PollStatuses(); // the final states (completed, failed) as events
        _queue.Writer.TryComplete();
        // What is queued gets a while to reach Redis; past that the publisher is stopped and the rest is dropped.
        if (!_publisher.Wait(_options.Drain))
        {
            _stop.Cancel();
            _publisher.Wait(TimeSpan.FromSeconds(2));
        }

        long left = 0;
        while (_queue.Reader.TryRead(out var entry))
        {
            left += entry.IsResult ? 1 : 0;
        }

        if (left > 0)
        {
            _dropped.Inc(left);
            _logger?.LogWarning("redis {Endpoint}: {Count} results not delivered before the end of the run", _connection.Endpoint.Redacted, left);
        }
    }

    public void Dispose()
    {
        Complete();
        _stop.Cancel();
        _stop.Dispose();
        _line.Dispose();
    }

    /// <summary>A stream's first frame, and every status change seen since, become events.</summary>
    private void NoteStatus(StreamState stream)
    {
        lock (_seenLock)
        {
            if (!_seen.TryGetValue(stream, out var last) || last != stream.Status)
            {
                _seen[stream] = stream.Status;
                QueueEvent(stream);
            }
        }
    }

    private void PollStatuses()
    {
        lock (_seenLock)
        {
            foreach (var stream in _seen.Keys.ToList())
            {
                if (_seen[stream] != stream.Status)
                {
                    _seen[stream] = stream.Status;
                    QueueEvent(stream);
                }
            }
        }
    }

    private void QueueEvent(StreamState stream)
    {
        var fields = new List<NameValueEntry> { new("stream", stream.Name), new("state", stream.Status.ToString().ToLowerInvariant()) };
        if (_options.Instance is { } instance)
        {
            fields.Add(new NameValueEntry("instance", instance));
        }
        if (stream.DownReason is { } reason && stream.Status == StreamStatus.Down)
        {
            fields.Add(new NameValueEntry("reason", reason)); // already redacted by the source
        }

        _queue.Writer.TryWrite(new Entry(RedisKeys.Events, [.. fields], IsResult: false));
    }

    private async Task PublishAsync()
    {
        var pause = TimeSpan.FromMilliseconds(250);
        bool down = false;
        var nextPoll = DateTime.UtcNow + StatusPoll;
        try
        {
            // This returns even with Redis down; the connection keeps reconnecting in the background.
            var database = await _connection.DatabaseAsync().ConfigureAwait(false);
            Entry? pending = null;
            while (!_stop.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= nextPoll)
                {
                    PollStatuses();
                    nextPoll = DateTime.UtcNow + StatusPoll;
                }

                if (pending is null)
                {
                    if (!_queue.Reader.TryRead(out var next))
                    {
                        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                        wait.CancelAfter(StatusPoll);
                        try
                        {
                            if (!await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                            {
                                return; // completed and empty
                            }
                        }
                        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                        {
                        }

                        continue;
                    }

                    pending = next;
                    Volatile.Write(ref _sending, 1);
                }

                try
                {
                    var entry = pending.Value;
                    await database.StreamAddAsync(entry.Key, entry.Fields, maxLength: _options.MaxLength, useApproximateMaxLength: true).ConfigureAwait(false);
                    pending = null;
                    Volatile.Write(ref _sending, 0);
                    if (entry.IsResult)
                    {
                        _published.Inc();
                    }
                    if (down)
                    {
                        down = false;
                        pause = TimeSpan.FromMilliseconds(250);
                        _logger?.LogInformation("redis {Endpoint}: publishing again", _connection.Endpoint.Redacted);
                    }
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    if (!down)
                    {
                        down = true;
                        _logger?.LogWarning("redis {Endpoint}: cannot publish ({Problem}); results wait in a queue of {Capacity}, the oldest dropped when it is full", _connection.Endpoint.Redacted, e.GetType().Name, _options.QueueCapacity);
                    }

                    // The entry stays pending and is sent again once Redis answers; meanwhile the queue drops its oldest.
                    await Task.Delay(pause, _stop.Token).ConfigureAwait(false);
                    pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <param name="IsResult">A frame's result (counted as published or dropped), not a state event.</param>
    private readonly record struct Entry(string Key, NameValueEntry[] Fields, bool IsResult);
}
