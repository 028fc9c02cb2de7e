using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.TestSupport;

/// <summary>
/// For tests that call ONNX Runtime's session directly: the image followed by every task gate of the model
/// (its int64 rows inputs, e.g. pose_rows) listing every row, as <c>ModelSession.Run</c> does by itself.
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
            if (session.InputMetadata[name].ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64)
            {
                throw new InvalidOperationException($"input {name} is not a task gate");
            }

            var every = OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, (int)batch).Select(i => (long)i).ToArray(), [batch]);
            _gates.Add(every);
            Values.Add(every);
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
