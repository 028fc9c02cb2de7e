using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.TestSupport;

/// <summary>
/// For tests that call ONNX Runtime's session directly: the image followed by every task gate of the model
/// (its rows inputs, e.g. pose_rows, listing every row; no auto rows; threshold 1), as <c>ModelSession.Run</c> does by itself.
/// Read only the float outputs: the gates' <c>TASK_rows_used</c> outputs are int64.
/// </summary>
public sealed class GateInputs : IDisposable
{
    private readonly List<OrtValue> _gates = [];

    public GateInputs(InferenceSession session, OrtValue image)
    {
        ArgumentNullException.ThrowIfNull(session);
        Values = [image];
        long batch = image.GetTensorTypeAndShape().Shape[0];
        foreach (string name in session.InputNames.Skip(1))
        {
            var metadata = session.InputMetadata[name];
            var value = VideoMtl.Inference.ModelSession.DefaultGateInput(name, metadata.ElementDataType, metadata.Dimensions.Length, batch)
                ?? throw new InvalidOperationException($"input {name} is not a task gate");
            _gates.Add(value);
            Values.Add(value);
        }
    }

    public List<OrtValue> Values { get; }

    public void Dispose()
    {
        foreach (var gate in _gates)
        {
            gate.Dispose();
        }
    }
}
