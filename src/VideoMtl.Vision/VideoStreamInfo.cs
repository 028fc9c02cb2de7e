namespace VideoMtl.Vision;

/// <summary>What a capture reports about its stream when opened.</summary>
/// <param name="FrameCount">Number of frames when the container says so; null for live sources.</param>
/// <param name="Fps">Frames per second; 0 when unknown.</param>
public sealed record VideoStreamInfo(int Width, int Height, double Fps, long? FrameCount, string Backend, string Codec);
