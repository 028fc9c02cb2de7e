using System.Runtime.InteropServices;
using VideoMtl.Onnx.Interop;

namespace VideoMtl.Onnx;

/// <summary>
/// Inputs and outputs bound once and reused across runs (OrtIoBinding): the steady-state path binds
/// pre-allocated output tensors so a run allocates nothing. Bound tensors are kept referenced here so
/// they cannot be collected or unpinned while bound. Not thread-safe.
/// </summary>
public sealed unsafe class IoBinding : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBindingHandle _handle;
    private readonly Dictionary<string, OrtTensor> _boundInputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtTensor> _boundOutputs = new(StringComparer.Ordinal);

    internal IoBinding(InferenceSession session)
    {
        _session = session;
        nint raw;
        OrtStatus.VerifySuccess(OrtLibrary.Api.CreateIoBinding(session.Handle.DangerousGetHandle(), &raw));
        _handle = new OrtIoBindingHandle();
        Marshal.InitHandle(_handle, raw);
    }

    public void BindInput(string name, OrtTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var utf8 = _session.NameOf(name, input: true);
        OrtStatus.VerifySuccess(OrtLibrary.Api.BindInput(_handle.DangerousGetHandle(), utf8.Pointer, tensor.Handle.DangerousGetHandle()));
        _boundInputs[name] = tensor;
    }

    /// <summary>ORT writes this output straight into <paramref name="tensor"/> (its shape must match the result).</summary>
    public void BindOutput(string name, OrtTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var utf8 = _session.NameOf(name, input: false);
        OrtStatus.VerifySuccess(OrtLibrary.Api.BindOutput(_handle.DangerousGetHandle(), utf8.Pointer, tensor.Handle.DangerousGetHandle()));
        _boundOutputs[name] = tensor;
    }

    /// <summary>ORT allocates this output in CPU memory on each run; read it with <see cref="GetOutputs"/>.</summary>
    public void BindOutputToCpu(string name)
    {
        var utf8 = _session.NameOf(name, input: false);
        OrtStatus.VerifySuccess(OrtLibrary.Api.BindOutputToDevice(
            _handle.DangerousGetHandle(), utf8.Pointer, OrtLibrary.CpuMemoryInfo.DangerousGetHandle()));
        _boundOutputs.Remove(name);
    }

    public void Run()
    {
        var leased = new List<SafeHandle>(_boundInputs.Count + _boundOutputs.Count + 2);
        try
        {
            nint session = InferenceSession.Lease(_session.Handle, leased);
            nint binding = InferenceSession.Lease(_handle, leased);
            foreach (var tensor in _boundInputs.Values)
            {
                InferenceSession.Lease(tensor.Handle, leased);
            }

            foreach (var tensor in _boundOutputs.Values)
            {
                InferenceSession.Lease(tensor.Handle, leased);
            }

            OrtStatus.VerifySuccess(OrtLibrary.Api.RunWithBinding(session, nint.Zero, binding));
        }
        finally
        {
            foreach (var handle in leased)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The outputs of the last run, in binding order; each is a new tensor the caller disposes.</summary>
    public OrtTensor[] GetOutputs()
    {
        var api = OrtLibrary.Api;
        nint* values;
        nuint count;
        OrtStatus.VerifySuccess(api.GetBoundOutputValues(_handle.DangerousGetHandle(), OrtLibrary.DefaultAllocator, &values, &count));
        if (values == null)
        {
            return [];
        }

        try
        {
            var result = new OrtTensor[(int)count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = OrtTensor.FromOwnedValue(values[i]);
            }

            return result;
        }
        finally
        {
            OrtStatus.VerifySuccess(api.AllocatorFree(OrtLibrary.DefaultAllocator, values));
        }
    }

    public void ClearInputs()
    {
        OrtLibrary.Api.ClearBoundInputs(_handle.DangerousGetHandle());
        _boundInputs.Clear();
    }

    public void ClearOutputs()
    {
        OrtLibrary.Api.ClearBoundOutputs(_handle.DangerousGetHandle());
        _boundOutputs.Clear();
    }

    public void Dispose() => _handle.Dispose();
}
