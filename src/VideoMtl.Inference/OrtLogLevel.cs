using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.Inference;

/// <summary>The least severe ONNX Runtime message a session logs (ORT writes them to stderr).</summary>
public enum OrtLogLevel
{
    Verbose = OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE,
    Info = OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO,
    Warning = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
    Error = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    Fatal = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
}
