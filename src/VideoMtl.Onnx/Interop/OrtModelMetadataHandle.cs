using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseModelMetadata (also on finalization).</summary>
internal sealed unsafe class OrtModelMetadataHandle : SafeHandle
{
    public OrtModelMetadataHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseModelMetadata(handle);
        return true;
    }
}
