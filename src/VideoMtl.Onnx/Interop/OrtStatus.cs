using System.Runtime.InteropServices;

namespace VideoMtl.Onnx.Interop;

/// <summary>The one choke point where an OrtStatus* becomes an <see cref="OrtException"/> carrying ORT's message.</summary>
internal static unsafe class OrtStatus
{
    public static void VerifySuccess(nint status)
    {
        if (status != nint.Zero)
        {
            throw ToException(status);
        }
    }

    /// <summary>Converts and releases a failed status (the status object is owned by the caller in ORT's API).</summary>
    public static OrtException ToException(nint status)
    {
        var api = OrtLibrary.Api;
        try
        {
            var code = (OrtErrorCode)api.GetErrorCode(status);
            string message = Marshal.PtrToStringUTF8((nint)api.GetErrorMessage(status)) ?? "unknown ONNX Runtime error";
            return new OrtException(code, message);
        }
        finally
        {
            api.ReleaseStatus(status);
        }
    }
}
