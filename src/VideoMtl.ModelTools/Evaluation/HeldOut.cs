namespace VideoMtl.ModelTools.Evaluation;

/// <summary>
/// The one split of a video between training and evaluation: <c>model distill</c> learns from the frames before
/// <see cref="FirstFrame"/>, <c>model evaluate --held-out</c> judges on the frames from it on (the last 20%).
/// </summary>
public static class HeldOut
{
    public static long FirstFrame(long frameCount) => frameCount - (frameCount / 5);
}
