namespace VideoMtl.Onnx;

/// <summary>A model's metadata_props and header fields, as ORT reports them.</summary>
public sealed record ModelMetadata(
    string ProducerName,
    string GraphName,
    string Domain,
    string Description,
    long Version,
    IReadOnlyDictionary<string, string> CustomMetadata);
