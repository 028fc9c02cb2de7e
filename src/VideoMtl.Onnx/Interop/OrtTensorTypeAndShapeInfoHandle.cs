using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseTensorTypeAndShapeInfo (also on finalization).</summary>
internal sealed unsafe class OrtTensorTypeAndShapeInfoHandle : SafeHandle
{
    public OrtTensorTypeAndShapeInfoHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}
