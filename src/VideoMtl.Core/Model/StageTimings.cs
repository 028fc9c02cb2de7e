namespace VideoMtl.Core.Model;

/// <summary>Milliseconds spent per stage on one batch (attached to every result of that batch).</summary>
public readonly record struct StageTimings(double PreprocessMs, double InferenceMs, double PostprocessMs);
