namespace VideoMtl.Inference.Threading;

/// <summary>
/// How many intra-op threads a session gets, and why. The default is one per CPU this process may use
/// (<see cref="CpuBudget.Available"/>), not ONNX Runtime's own default of one per physical core: that guess
/// comes from a CPU database, and on a 2-vCPU cloud machine it saw one core and left half the machine idle
/// (7.0 against 12.2 frames/s). One per CPU rather than one fewer was measured: on 2 CPUs the whole pipeline
/// (decode, pre/post-processing, overlay and encoder sharing the cores) ran 150 frames of vtest.avi in 22.4 s
/// with 2 threads and 36.1 s with 1; the other stages fit in the gaps between operators.
/// </summary>
/// <param name="Threads">The intra-op thread count to set (always at least 1).</param>
/// <param name="Reason">Why, in words, for logs and <c>doctor</c>.</param>
/// <param name="Warning">Set when an explicit count exceeds the CPUs available (threads would take turns on a core).</param>
public sealed record IntraOpThreadChoice(int Threads, string Reason, string? Warning)
{
    /// <param name="requested">The user's <c>--threads</c>; 0 means "choose".</param>
    public static IntraOpThreadChoice Resolve(int requested, CpuBudget budget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requested);
        int available = budget.Available;
        if (requested == 0)
        {
            return new IntraOpThreadChoice(available, $"one per CPU available; {budget.Describe()}", null);
        }

        string? warning = requested > available
            ? $"--threads {requested} exceeds the {available} CPU{(available == 1 ? "" : "s")} this process may use ({budget.Describe()}), so threads will take turns on a core; use --threads {available} or leave it at 0"
            : null;
        return new IntraOpThreadChoice(requested, "as --threads / Threads asks", warning);
    }
}
