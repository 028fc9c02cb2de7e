using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>Something frames are read from one after another: a video file through OpenCV (<see cref="VideoFileReader"/>) or an ffmpeg child process.</summary>
public interface IFrameReader : IDisposable
{
    /// <summary>What the source reported when it opened.</summary>
    VideoStreamInfo Info { get; }

    /// <summary>Reads the next frame into <paramref name="frame"/> (its buffer is reused when the size matches); false at the end of the stream.</summary>
    bool Read(Mat frame, out FrameInfo info);
}
