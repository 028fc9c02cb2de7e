using Microsoft.ML.OnnxRuntime;

namespace VideoMtl.TestSupport;

/// <summary>
/// For tests that call ONNX Runtime's session directly: the image followed by every task gate of the model
/// (its boolean inputs, e.g. run_pose) switched on, as <c>ModelSession.Run</c> does by itself.
/// </summary>
public sealed class GateInputs : IDisposable
{
    private readonly List<OrtValue> _gates = [];

    public GateInputs(InferenceSession session, OrtValue image)
    {
        ArgumentNullException.ThrowIfNull(session);
        Values = [image];
        foreach (string name in session.InputNames.Skip(1))
        {
            if (session.InputMetadata[name].ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Bool)
            {
                throw new InvalidOperationException($"input {name} is not a task gate");
            }

            var on = OrtValue.CreateTensorValueFromMemory(new[] { true }, []);
            _gates.Add(on);
            Values.Add(on);
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
