namespace VideoMtl.Pipeline.Preview;

/// <summary>
/// One encoded preview frame. Immutable once published, so any number of HTTP clients can send the same
/// bytes while the sink is already encoding the next frame into a new array.
/// </summary>
/// <param name="Sequence">Increases by one per published frame of the stream (clients wait for a newer one).</param>
public sealed record PreviewFrame(long Sequence, long FrameIndex, ReadOnlyMemory<byte> Jpeg);
