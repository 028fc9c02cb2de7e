namespace VideoMtl.Vision;

/// <summary>What kind of failure a <see cref="VisionException"/> reports.</summary>
public enum VisionErrorKind
{
    Unknown = 0,
    InvalidArgument,
    OpenFailed,
    OpenCv,
    BufferTooSmall,
    NotFound,
}
