namespace VideoMtl.Inference;

/// <summary>Which execution provider a session asks for first (CPU is always there behind it).</summary>
public enum ExecutionDevice
{
    Cpu,
    Cuda,
    TensorRt,
}
