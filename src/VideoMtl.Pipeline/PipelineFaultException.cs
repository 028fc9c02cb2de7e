namespace VideoMtl.Pipeline;

/// <summary>
/// A run ended by a fault no single stream could absorb (the model failed: out of GPU memory, a broken
/// output): every stage was stopped, the outputs hold what was finished before it. The message is meant for
/// the user as it is.
/// </summary>
public sealed class PipelineFaultException : Exception
{
    public PipelineFaultException(string stage, string message, Exception innerException)
        : base($"{stage} failed, the run stopped (outputs hold every frame finished before): {message}", innerException)
    {
        Stage = stage;
    }

    public PipelineFaultException()
        : this("pipeline", "unknown fault", new InvalidOperationException())
    {
    }

    public PipelineFaultException(string message)
        : base(message)
    {
    }

    public PipelineFaultException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string Stage { get; } = "pipeline";
}
