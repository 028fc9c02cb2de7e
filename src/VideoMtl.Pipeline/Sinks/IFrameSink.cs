using VideoMtl.Core.Model;
using VideoMtl.Pipeline.Stages;

namespace VideoMtl.Pipeline.Sinks;

/// <summary>
/// Where processed frames go. Each sink runs on its own task behind its own bounded channel, so a slow
/// sink only ever delays itself (and, for files, backs up its stream instead of losing frames).
/// </summary>
public interface IFrameSink : IDisposable
{
    string Name { get; }

    /// <summary>Whether the sink reads pixels (then the frame is annotated once before fan-out).</summary>
    bool NeedsPixels { get; }

    /// <summary>
    /// Called once the model is loaded, before the first frame: what the detections will mean (class names,
    /// keypoints), for sinks that draw or describe them themselves.
    /// </summary>
    void Start(ModelDescription model)
    {
    }

    /// <summary>
    /// Whether the sink wants this stream's frames also without overlays (<see cref="FramePacket.CleanImage"/>),
    /// to draw its own; asked for every frame from the postprocess thread, so it must be cheap and thread-safe.
    /// </summary>
    bool WantsCleanPixels(StreamState stream) => false;

    /// <summary>
    /// Handles one frame; called from the sink's single task, in each stream's frame order. Returns true
    /// when it encoded pixels (video, image or JPEG): only then does its time count as the encode stage, so
    /// frames a sink skips (an unwatched preview) do not dilute that figure.
    /// </summary>
    bool Write(FramePacket packet);

    /// <summary>
    /// Gives up one stream's output after its write failed (disk full, folder removed): closes it without
    /// throwing and leaves what was written intact, so the other streams carry on. The runner sends the
    /// sink no more frames of that stream.
    /// </summary>
    void Abandon(StreamState stream)
    {
    }

    /// <summary>Flushes and closes everything (end of run, or shutdown).</summary>
    void Complete();
}
