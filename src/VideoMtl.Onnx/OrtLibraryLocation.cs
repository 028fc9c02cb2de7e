namespace VideoMtl.Onnx;

/// <summary>A libonnxruntime path and where it came from (for error messages).</summary>
public sealed record OrtLibraryLocation(string Path, string Origin);
