namespace VideoMtl.Vision;

/// <summary>OpenCV video I/O backend; values equal cv::VideoCaptureAPIs.</summary>
public enum VideoBackend
{
    Auto = 0,
    V4L2 = 200,
    GStreamer = 1800,
    FFmpeg = 1900,
    Images = 2000,
}
