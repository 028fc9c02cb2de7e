namespace VideoMtl.Vision;

/// <summary>The one exception type of the OpenCV layer; the message is meant for the user as it is.</summary>
public sealed class VisionException : Exception
{
    public VisionException(VisionErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public VisionException()
        : this(VisionErrorKind.Unknown, "OpenCV layer error")
    {
    }

    public VisionException(string message)
        : this(VisionErrorKind.Unknown, message)
    {
    }

    public VisionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VisionErrorKind Kind { get; }
}
