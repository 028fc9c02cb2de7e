namespace VideoMtl.Cli.Soak;

/// <summary>What <c>videomtl soak</c> runs: how many live feeds, for how long, sampled how often.</summary>
internal sealed record SoakOptions(
    IReadOnlyList<string> Urls, string Video, int Streams, string ModelPath, TimeSpan Duration, TimeSpan Interval, int Threads, int MaxBatch, bool WriteVideo);
