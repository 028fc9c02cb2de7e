using System.Runtime.InteropServices;

namespace VideoMtl.Vision.Interop;

/// <summary>
/// The shim's C exports, one to one (names and argument order mirror videomtl_native.h).
/// Every call returns a status that <see cref="NativeStatus.Check"/> turns into a <see cref="VisionException"/>.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Library = "videomtl_native";

    [LibraryImport(Library)]
    internal static partial byte* vm_last_error();

    [LibraryImport(Library)]
    internal static partial int vm_opencv_version(byte* buffer, int capacity);

    [LibraryImport(Library)]
    internal static partial int vm_video_backends(byte* buffer, int capacity);

    [LibraryImport(Library)]
    internal static partial int vm_mat_create(int width, int height, int channels, out MatSafeHandle mat);

    [LibraryImport(Library)]
    internal static partial int vm_mat_release(nint mat);

    [LibraryImport(Library)]
    internal static partial int vm_mat_get_info(MatSafeHandle mat, out VmMatInfo info);

    [LibraryImport(Library)]
    internal static partial int vm_mat_ensure(MatSafeHandle mat, int width, int height, int channels);

    [LibraryImport(Library)]
    internal static partial int vm_mat_copy_to(MatSafeHandle source, MatSafeHandle destination);

    [LibraryImport(Library)]
    internal static partial int vm_mat_fit_into(MatSafeHandle source, MatSafeHandle destination, int width, int height);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int vm_image_read(string path, out MatSafeHandle mat);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int vm_image_write(string path, MatSafeHandle mat);

    [LibraryImport(Library)]
    internal static partial int vm_jpeg_encode(MatSafeHandle mat, int quality, byte* buffer, int capacity, out int length);

    [LibraryImport(Library)]
    internal static partial int vm_capture_open(in VmCaptureOptions options, out CaptureSafeHandle capture);

    [LibraryImport(Library)]
    internal static partial int vm_capture_release(nint capture);

    [LibraryImport(Library)]
    internal static partial int vm_capture_get_info(CaptureSafeHandle capture, out VmCaptureInfo info);

    [LibraryImport(Library)]
    internal static partial int vm_capture_read(CaptureSafeHandle capture, MatSafeHandle frame, out VmFrameInfo info, out int got);

    [LibraryImport(Library)]
    internal static partial int vm_letterbox_to_tensor(
        MatSafeHandle source, float* tensor, int width, int height, byte padValue, float scale, out VmLetterbox letterbox);

    [LibraryImport(Library)]
    internal static partial int vm_draw_rectangle(MatSafeHandle mat, int x1, int y1, int x2, int y2, VmColor color, int thickness);

    [LibraryImport(Library)]
    internal static partial int vm_draw_line(MatSafeHandle mat, int x1, int y1, int x2, int y2, VmColor color, int thickness);

    [LibraryImport(Library)]
    internal static partial int vm_draw_circle(MatSafeHandle mat, int cx, int cy, int radius, VmColor color, int thickness);

    [LibraryImport(Library)]
    internal static partial int vm_draw_fill_poly(MatSafeHandle mat, VmPoint* points, int count, VmColor color);

    [LibraryImport(Library)]
    internal static partial int vm_draw_mask(
        MatSafeHandle mat, byte* mask, int maskWidth, int maskHeight, int left, int top, VmColor color);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int vm_draw_text(
        MatSafeHandle mat, string text, int x, int y, double fontScale, int thickness, VmColor color, VmColor background,
        out int width, out int height);
}
