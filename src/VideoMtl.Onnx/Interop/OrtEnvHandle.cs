using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>Owns one ORT object, released exactly once through OrtApi.ReleaseEnv (also on finalization).</summary>
internal sealed unsafe class OrtEnvHandle : SafeHandle
{
    public OrtEnvHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        OrtLibrary.Api.ReleaseEnv(handle);
        return true;
    }
}
