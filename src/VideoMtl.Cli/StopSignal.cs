using System.Runtime.InteropServices;

namespace VideoMtl.Cli;

/// <summary>
/// Turns SIGINT (Ctrl+C) and SIGTERM into a cancellation instead of an immediate exit, so a command can
/// drain, flush and clean up (finalize files, stop child processes) before it returns. A second signal
/// during that drain exits at once with the shell's code for the signal (130 for SIGINT, 143 for SIGTERM):
/// NDJSON lines are each written in one call and the mp4s are fragmented, so what is on disk stays whole,
/// and the ffmpeg children end by themselves when their pipes close.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private int _signals;

    public StopSignal(CancellationToken linked)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    /// <summary>Cancelled by either signal or by the linked token.</summary>
    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _stop.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // the command exits by itself once it has cleaned up
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Environment.Exit(context.Signal == PosixSignal.SIGINT ? 130 : 143);
        }

        // Off the signal thread: cancellation callbacks (ending ffmpeg children, ...) may take a moment, and
        // the signal thread must stay free to take the second signal.
        _ = Task.Run(() =>
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the command had already finished
            }
        });
    }
}
