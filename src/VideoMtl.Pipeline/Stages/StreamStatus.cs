namespace VideoMtl.Pipeline.Stages;

/// <summary>Where a stream stands. The order is the metric's: do not reorder.</summary>
public enum StreamStatus
{
    /// <summary>Opening the source for the first time.</summary>
    Starting,

    /// <summary>Frames are arriving.</summary>
    Up,

    /// <summary>A live source that stopped delivering or cannot be opened; it is being retried.</summary>
    Down,

    /// <summary>A finite source (file, image set) has been read to its end, or the run stopped it.</summary>
    Completed,

    /// <summary>The source cannot be read and will not be retried (a file that does not decode, retries used up).</summary>
    Failed,

    /// <summary>Captured by another instance of the cluster (or by none yet): this one waits to be given it.</summary>
    Elsewhere,
}
