namespace VideoMtl.Pipeline.Ownership;

/// <summary>
/// The right to capture one stream on this instance, from <see cref="IStreamOwnership.AcquireAsync"/>.
/// Disposing it says that capture has stopped and the stream's frames in flight are out of the pipeline: only
/// then may another instance take the stream over (the owner may wait for that before handing it on).
/// </summary>
public interface IStreamLease : IDisposable
{
    /// <summary>Cancelled when the stream must stop here (moved to another instance, or this one is leaving).</summary>
    CancellationToken Revoked { get; }

    /// <summary>
    /// The frame to continue from: 0 for a first start, else one past the last frame a previous owner
    /// published, so frame numbers run on across a hand-over and a file resumes where it was.
    /// </summary>
    long FirstFrame { get; }

    /// <summary>The source has ended or failed for good: no instance should start it again.</summary>
    void Complete();
}
