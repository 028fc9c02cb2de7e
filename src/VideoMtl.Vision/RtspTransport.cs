namespace VideoMtl.Vision;

/// <summary>RTSP transport for FFmpeg URLs (OpenCV's own default is TCP).</summary>
public enum RtspTransport
{
    Default = 0,
    Tcp = 1,
    Udp = 2,
}
