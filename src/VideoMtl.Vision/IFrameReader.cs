namespace VideoMtl.Vision;

/// <summary>Something frames are read from one after another: OpenCV's <see cref="VideoCapture"/> or an ffmpeg child process.</summary>
public interface IFrameReader : IDisposable
{
    /// <summary>What the source reported when it opened.</summary>
    VideoStreamInfo Info { get; }

    /// <summary>Reads the next frame into <paramref name="frame"/> (resized as needed); false at the end of the stream.</summary>
    bool Read(ImageBuffer frame, out FrameInfo info);
}
