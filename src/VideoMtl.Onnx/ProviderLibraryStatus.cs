namespace VideoMtl.Onnx;

/// <summary>Whether an execution provider's shared library can be loaded beside libonnxruntime, and why not.</summary>
public sealed record ProviderLibraryStatus(ExecutionDevice Device, bool Loadable, string Detail);
