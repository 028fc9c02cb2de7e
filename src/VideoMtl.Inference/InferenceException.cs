namespace VideoMtl.Inference;

/// <summary>
/// A model or device problem found by VideoMtl itself (a missing file, a GPU that was required but cannot be
/// used); ONNX Runtime's own failures arrive as <see cref="Microsoft.ML.OnnxRuntime.OnnxRuntimeException"/>.
/// </summary>
public sealed class InferenceException : Exception
{
    public InferenceException(string message)
        : base(message)
    {
    }

    public InferenceException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public InferenceException()
    {
    }
}
