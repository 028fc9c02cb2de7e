namespace VideoMtl.Inference.Threading;

/// <summary>
/// Counts this process's threads (<c>/proc/self/task</c>). ONNX Runtime has no call that says how many
/// intra-op threads it chose by itself, but it starts that many minus one (the calling thread is the last)
/// when a session is created, so <c>doctor</c> counts them around a session created with the defaults.
/// </summary>
public static class ProcessThreads
{
    /// <summary>Threads of this process now, or null where <c>/proc</c> is not there.</summary>
    public static int? Count()
    {
        try
        {
            return Directory.GetDirectories("/proc/self/task").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// ONNX Runtime's own intra-op thread count, seen from the threads that creating a session with the
    /// defaults started (null when they could not be counted). Other threads starting meanwhile (the .NET
    /// thread pool) would inflate it, so callers do this while nothing else runs.
    /// </summary>
    public static int? OrtDefaultIntraOpThreads<T>(Func<T> createDefaultSession, out T session)
    {
        int? before = Count();
        session = createDefaultSession();
        int? after = Count();
        return before is { } b && after is { } a && a >= b ? a - b + 1 : null;
    }
}
