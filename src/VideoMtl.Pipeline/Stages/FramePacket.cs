using OpenCvSharp;
using VideoMtl.Core.Results;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Stages;

/// <summary>
/// One frame on its way through the pipeline, pooled: the image buffer and the detections are reused
/// for the next frame once every sink has released the packet. The owner at each moment is the stage
/// that read it from a channel; a dropped packet goes back to the pool through the drop callback.
/// </summary>
public sealed class FramePacket
{
    private int _sinkReferences;

    public FramePacket(int keypoints)
    {
        Detections = new Detections(keypoints);
    }

    public Mat Image { get; } = new Mat();

    /// <summary>
    /// The frame as captured, before overlays were drawn on <see cref="Image"/>: kept (copied into this reused buffer)
    /// only while some sink draws its own overlays (a preview with chosen overlays), else left empty. Valid while
    /// <see cref="HasCleanImage"/>.
    /// </summary>
    public Mat CleanImage { get; } = new Mat();

    /// <summary>Whether <see cref="CleanImage"/> holds this frame; reset when the packet goes back to the pool.</summary>
    public bool HasCleanImage { get; set; }

    /// <summary>Counted in its stream's <see cref="StreamState.InFlight"/> (from capture until it is back in the pool).</summary>
    internal bool CountedInFlight { get; set; }

    public Detections Detections { get; }

    public StreamState Stream { get; set; } = null!;

    /// <summary>0-based index of the frame in its source (restarts with --loop are counted on).</summary>
    public long FrameIndex { get; set; }

    public double PtsMs { get; set; }

    /// <summary>The image file the frame came from, for image-set sources; null for video.</summary>
    public string? SourceFile { get; set; }

    /// <summary>
    /// Stopwatch timestamp where end-to-end latency starts: when a live frame's bytes arrived from its source
    /// (before conversion or any queue), or when a file's frame was read.
    /// </summary>
    public long CapturedAt { get; set; }

    public LetterboxGeometry Geometry { get; set; }

    /// <summary>The letterboxed input between preprocess and the batcher; null otherwise.</summary>
    public float[]? Tensor { get; set; }

    public BatchOutputs? Batch { get; set; }

    /// <summary>Where this frame's results are in its batch's outputs (its row, and its rows in the gated outputs).</summary>
    public Core.Model.BatchPlace Place { get; set; }

    public double DecodeMs { get; set; }

    public double PreprocessMs { get; set; }

    public double InferenceMs { get; set; }

    public double PostprocessMs { get; set; }

    public double OverlayMs { get; set; }

    /// <summary>Time in the stream's tracker (part of postprocess, shown on its own); 0 with tracking off.</summary>
    public double TrackMs { get; set; }

    public void SetSinkReferences(int count) => Volatile.Write(ref _sinkReferences, count);

    /// <summary>True for the sink that released last: it returns the packet to the pool.</summary>
    public bool ReleaseSinkReference() => Interlocked.Decrement(ref _sinkReferences) == 0;
}
