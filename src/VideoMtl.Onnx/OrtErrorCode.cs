namespace VideoMtl.Onnx;

/// <summary>ORT's OrtErrorCode values.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
    /// <summary>Not an ORT code: the library itself could not be found or loaded.</summary>
    LibraryNotLoaded = 1000,
}
