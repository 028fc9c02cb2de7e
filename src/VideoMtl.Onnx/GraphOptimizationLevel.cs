namespace VideoMtl.Onnx;

/// <summary>ORT's GraphOptimizationLevel.</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}
