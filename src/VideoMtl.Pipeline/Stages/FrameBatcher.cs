namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// Gathers the next batch when inference asks for it (pull): the inference worker calls <see cref="NextAsync"/>
/// only once its previous batch has run, so the frames it gets are the newest there are at that moment, and a
/// live frame is letterboxed only once it has been chosen.
/// <para>
/// A live stream gives a batch at most one frame, its newest: a second one, arriving while the batch waits to
/// fill, would be older than the one the next batch takes and would make this batch slower for everyone.
/// </para>
/// <para>
/// Fairness: streams are taken in rounds, one frame per stream per round, each round starting after the
/// stream served last, until the batch is full or no stream has a frame. With N streams waiting and batch B,
/// every stream gets one slot in about N/B batches, whatever its frame rate; a stream that reconnects joins
/// the rotation where it stands, neither ahead of nor behind the others. A file is one stream like any camera:
/// it gets its share and waits for its turn without losing a frame, and a camera never waits on a file (nor a
/// file on a camera) for more than a round.
/// </para>
/// <para>Not thread-safe: one caller, the inference worker.</para>
/// </summary>
internal sealed class FrameBatcher : IDisposable
{
    private readonly IReadOnlyList<BatcherInput> _inputs;
    private readonly BatchDoorbell _doorbell;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly Action<FramePacket> _prepare;
    private readonly Action<FramePacket, Exception> _prepareFailed;
    private readonly Action<FramePacket> _discard;
    private readonly Exception?[] _failures;
    private readonly List<FramePacket> _unprepared;
    private readonly Action<int> _prepareOne; // made once: Parallel.For takes it every batch
    private readonly bool[] _inBatch; // per input: has it given the batch being gathered a frame
    private CancellationTokenSource _window = new();
    private int _next; // the input the next round starts with

    /// <param name="inputs">One per stream; each input's writer rings <paramref name="doorbell"/>.</param>
    /// <param name="prepare">Letterboxes a live frame into a tensor slot (files come prepared). May run on several threads at once.</param>
    /// <param name="prepareFailed">
    /// Called when <paramref name="prepare"/> throws, with the frame (not in the batch any more): the caller
    /// returns it to its pool and isolates its stream. The stream's input is marked failed here.
    /// </param>
    /// <param name="discard">Returns a frame that arrived from a failed stream to its pool.</param>
    public FrameBatcher(
        IReadOnlyList<BatcherInput> inputs, BatchDoorbell doorbell, int maxBatch, TimeSpan maxWait,
        Action<FramePacket> prepare, Action<FramePacket, Exception> prepareFailed, Action<FramePacket> discard)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _inputs = inputs;
        _doorbell = doorbell;
        _maxBatch = maxBatch;
        _maxWait = maxWait;
        _prepare = prepare;
        _prepareFailed = prepareFailed;
        _discard = discard;
        _failures = new Exception?[maxBatch];
        _unprepared = new List<FramePacket>(maxBatch);
        _prepareOne = PrepareOne;
        _inBatch = new bool[inputs.Count];
    }

    /// <summary>
    /// Fills <paramref name="batch"/> (emptied first) with up to the batch size of prepared frames: waits for
    /// the first one, then up to the batch wait for more. False once every stream has ended and nothing is left.
    /// On cancellation the frames already taken are in <paramref name="batch"/>: the caller returns them.
    /// </summary>
    public async ValueTask<bool> NextAsync(List<FramePacket> batch, CancellationToken cancellation)
    {
        batch.Clear();
        Array.Clear(_inBatch);
        while (true)
        {
            // Forget a pending ring before looking: a frame written after the look rings again, so none is missed.
            _doorbell.Clear();
            TakeRounds(batch);
            if (batch.Count == 0)
            {
                if (AllEnded())
                {
                    return false;
                }

                await _doorbell.WaitAsync(cancellation).ConfigureAwait(false);
                continue;
            }

            if (batch.Count < _maxBatch && _maxWait > TimeSpan.Zero && CanGrow())
            {
                await FillAsync(batch, cancellation).ConfigureAwait(false);
            }

            PrepareLive(batch);
            if (batch.Count > 0)
            {
                return true;
            }
        }
    }

    public void Dispose() => _window.Dispose();

    /// <summary>Some stream could still add a frame to this batch: a file not ended, or a live stream not in it yet.</summary>
    private bool CanGrow()
    {
        for (int i = 0; i < _inputs.Count; i++)
        {
            var input = _inputs[i];
            if (!input.Ended && !(input.Stream.IsLive && _inBatch[i]))
            {
                return true;
            }
        }

        return false;
    }

    private bool AllEnded()
    {
        foreach (var input in _inputs)
        {
            if (!input.Ended)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Round after round, one frame from each stream that has one, until the batch is full or a round finds none.</summary>
    private void TakeRounds(List<FramePacket> batch)
    {
        int n = _inputs.Count;
        bool took = true;
        while (took && batch.Count < _maxBatch)
        {
            took = false;
            int start = _next;
            for (int k = 0; k < n && batch.Count < _maxBatch; k++)
            {
                int i = (start + k) % n;
                if (!(_inBatch[i] && _inputs[i].Stream.IsLive) && TryTake(_inputs[i], out var packet))
                {
                    batch.Add(packet);
                    _inBatch[i] = true;
                    took = true;
                    _next = (i + 1) % n;
                }
            }
        }
    }

    private bool TryTake(BatcherInput input, out FramePacket packet)
    {
        if (input.Failed)
        {
            // Capture may deliver a frame or two before it sees the stream's stop: straight back to the pool.
            while (input.Frames.TryRead(out var late))
            {
                _discard(late);
            }

            packet = null!;
            return false;
        }

        return input.Frames.TryRead(out packet!);
    }

    /// <summary>Waits up to the batch wait for more frames to fill the batch (a ring, then another round).</summary>
    private async Task FillAsync(List<FramePacket> batch, CancellationToken cancellation)
    {
        // The window's source is reused while it has not fired (TryReset), so waiting costs a timer only.
        if (!_window.TryReset())
        {
            _window.Dispose();
            _window = new CancellationTokenSource();
        }

        _window.CancelAfter(_maxWait);
        using var link = cancellation.CanBeCanceled ? cancellation.UnsafeRegister(static w => ((CancellationTokenSource)w!).Cancel(), _window) : default;
        try
        {
            while (batch.Count < _maxBatch && CanGrow())
            {
                await _doorbell.WaitAsync(_window.Token).ConfigureAwait(false);
                _doorbell.Clear();
                TakeRounds(batch);
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The wait window closed: run what we have.
        }

        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Letterboxes the live frames of the batch (files arrive prepared), in parallel when there are several:
    /// inference is not running now, so the cores are free. A frame that fails is taken out of the batch and
    /// reported; its stream is out of the run, the others' frames go on.
    /// </summary>
    private void PrepareLive(List<FramePacket> batch)
    {
        _unprepared.Clear();
        foreach (var packet in batch)
        {
            if (packet.Tensor is null)
            {
                _unprepared.Add(packet);
            }
        }

        if (_unprepared.Count == 0)
        {
            return;
        }

        Array.Clear(_failures);
        if (_unprepared.Count == 1)
        {
            PrepareOne(0);
        }
        else
        {
            Parallel.For(0, _unprepared.Count, _prepareOne);
        }

        for (int i = 0; i < _unprepared.Count; i++)
        {
            if (_failures[i] is { } error)
            {
                var packet = _unprepared[i];
                batch.Remove(packet);
                foreach (var input in _inputs)
                {
                    if (input.Stream == packet.Stream)
                    {
                        input.Failed = true;
                    }
                }

                _prepareFailed(packet, error);
            }
        }
    }

    private void PrepareOne(int index)
    {
        try
        {
            _prepare(_unprepared[index]);
        }
        catch (Exception e)
        {
            _failures[index] = e;
        }
    }
}
