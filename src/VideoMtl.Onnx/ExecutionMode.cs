namespace VideoMtl.Onnx;

/// <summary>ORT's ExecutionMode: Parallel lets independent branches (e.g. the heads of a composite model) run at once.</summary>
public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}
