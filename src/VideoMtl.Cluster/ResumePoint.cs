namespace VideoMtl.Cluster;

/// <summary>Where a stream's results stopped: its last published frame and the instance that published it.</summary>
public readonly record struct ResumePoint(long LastFrame, string? Instance);
