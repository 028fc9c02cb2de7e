namespace VideoMtl.Onnx;

/// <summary>OrtLoggingLevel: the least severe ORT message that is passed on to our logger.</summary>
public enum OrtLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
