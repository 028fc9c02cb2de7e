namespace VideoMtl.Onnx;

/// <summary>The one exception type of the ORT layer: ORT's error code and its own message.</summary>
public sealed class OrtException : Exception
{
    public OrtException(OrtErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public OrtException()
        : this(OrtErrorCode.Fail, "ONNX Runtime error")
    {
    }

    public OrtException(string message)
        : this(OrtErrorCode.Fail, message)
    {
    }

    public OrtException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = OrtErrorCode.Fail;
    }

    public OrtErrorCode Code { get; }
}
