using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>The one place a shim status becomes an exception (with the shim's thread-local message).</summary>
internal static unsafe class NativeStatus
{
    internal const int Ok = 0;
    internal const int BufferTooSmall = 4;

    internal static void Check(int status)
    {
        if (status != Ok)
        {
            throw Failure(status);
        }
    }

    internal static VisionException Failure(int status)
    {
        // Read on the same thread as the failing call: the message is thread-local in the shim.
        string message = Marshal.PtrToStringUTF8((nint)NativeMethods.vm_last_error()) ?? "unknown error";
        var kind = status switch
        {
            1 => VisionErrorKind.InvalidArgument,
            2 => VisionErrorKind.OpenFailed,
            3 => VisionErrorKind.OpenCv,
            4 => VisionErrorKind.BufferTooSmall,
            5 => VisionErrorKind.NotFound,
            _ => VisionErrorKind.Unknown,
        };
        return new VisionException(kind, message);
    }
}
