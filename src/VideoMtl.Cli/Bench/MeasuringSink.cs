using System.Diagnostics;
using VideoMtl.Pipeline.Sinks;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Cli.Bench;

/// <summary>
/// A sink that only measures: steady-state frames/s and managed bytes allocated per frame, both taken
/// between the frame that ends the warm-up and the last frame (model warm-up and the first allocations of
/// pools and buffers are not steady state). It reads no pixels, so alone it adds no overlay work.
/// </summary>
internal sealed class MeasuringSink(long warmupFrames) : IFrameSink
{
    private long _frames;
    private long _objects;
    private long _startTimestamp;
    private long _endTimestamp;
    private long _startBytes;
    private long _endBytes;

    public string Name => "measure";

    public bool NeedsPixels => false;

    public long Frames => _frames;

    public double ObjectsPerFrame => _frames == 0 ? 0 : _objects / (double)_frames;

    public long SteadyFrames => Math.Max(0, _frames - warmupFrames);

    public double SteadyFramesPerSecond =>
        SteadyFrames == 0 ? 0 : SteadyFrames / Stopwatch.GetElapsedTime(_startTimestamp, _endTimestamp).TotalSeconds;

    public double AllocatedBytesPerFrame => SteadyFrames == 0 ? 0 : (_endBytes - _startBytes) / (double)SteadyFrames;

    public bool Write(FramePacket packet)
    {
        _frames++;
        _objects += packet.Detections.Count;
        if (_frames == warmupFrames)
        {
            _startBytes = GC.GetTotalAllocatedBytes(precise: true);
            _startTimestamp = Stopwatch.GetTimestamp();
        }
        else if (_frames > warmupFrames)
        {
            _endBytes = GC.GetTotalAllocatedBytes(precise: true);
            _endTimestamp = Stopwatch.GetTimestamp();
        }

        return false; // measures only, encodes nothing
    }

    public void Complete()
    {
    }

    public void Dispose()
    {
    }
}
