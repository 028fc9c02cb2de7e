using System.Runtime.InteropServices;

namespace VideoMtl.Cli;

/// <summary>
/// Turns SIGINT (Ctrl+C) and SIGTERM into a cancellation instead of an immediate exit, so a command can
/// drain, flush and clean up (finalize files, stop child processes) before it returns.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

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
        _stop.Cancel();
    }
}
