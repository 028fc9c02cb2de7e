using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>
/// An 8-bit image in native memory (a cv::Mat behind a SafeHandle). Frames are read into an existing
/// buffer, so a pool of these serves a whole stream without per-frame allocation.
/// </summary>
public sealed unsafe class ImageBuffer : IDisposable
{
    private ImageBuffer(MatSafeHandle handle)
    {
        Handle = handle;
    }

    internal MatSafeHandle Handle { get; }

    public int Width => Info.Width;

    public int Height => Info.Height;

    public int Channels => Info.Channels;

    public bool IsEmpty => Info.Width == 0 || Info.Height == 0;

    /// <summary>Row stride in bytes (OpenCV may pad rows of images it did not allocate itself).</summary>
    public long Stride => Info.Step;

    private VmMatInfo Info
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            NativeStatus.Check(NativeMethods.vm_mat_get_info(Handle, out var info));
            return info;
        }
    }

    /// <summary>An empty buffer, sized by the first frame read into it.</summary>
    public static ImageBuffer CreateEmpty() => Create(0, 0, 3);

    public static ImageBuffer Create(int width, int height, int channels = 3)
    {
        NativeStatus.Check(NativeMethods.vm_mat_create(width, height, channels, out var handle));
        return new ImageBuffer(handle);
    }

    /// <summary>Reads a JPEG/PNG/BMP/TIFF/WebP file as 8-bit BGR.</summary>
    public static ImageBuffer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int status = NativeMethods.vm_image_read(path, out var handle);
        if (status != NativeStatus.Ok)
        {
            handle.Dispose();
            throw NativeStatus.Failure(status);
        }

        return new ImageBuffer(handle);
    }

    /// <summary>Writes the image; the format follows the file extension.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NativeStatus.Check(NativeMethods.vm_image_write(path, Handle));
    }

    /// <summary>Makes this a <paramref name="width"/> × <paramref name="height"/> BGR image, keeping the native buffer when it already is one (contents undefined after a change).</summary>
    public void Ensure(int width, int height)
    {
        NativeStatus.Check(NativeMethods.vm_mat_ensure(Handle, width, height, 3));
    }

    public void CopyTo(ImageBuffer destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        NativeStatus.Check(NativeMethods.vm_mat_copy_to(Handle, destination.Handle));
    }

    /// <summary>Scales this image to fit <paramref name="width"/> × <paramref name="height"/> (aspect kept, black
    /// borders) into <paramref name="destination"/>, as 8-bit BGR.</summary>
    public void FitInto(ImageBuffer destination, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(destination);
        NativeStatus.Check(NativeMethods.vm_mat_fit_into(Handle, destination.Handle, width, height));
    }

    public ImageBuffer Clone()
    {
        var copy = CreateEmpty();
        CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// The pixel bytes of row <paramref name="y"/> (BGR interleaved). The span is valid until the next
    /// read into this buffer or its disposal: do not keep it across those.
    /// </summary>
    public Span<byte> GetRow(int y)
    {
        var info = Info;
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, info.Height);
        return new Span<byte>(info.Data + (info.Step * y), info.Width * info.Channels);
    }

    /// <summary>The pixel at (x, y) as BGR (the first channel repeated for grayscale images).</summary>
    public BgrColor GetPixel(int x, int y)
    {
        var row = GetRow(y);
        int channels = Channels;
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
        return channels == 1
            ? new BgrColor(row[x], row[x], row[x])
            : new BgrColor(row[x * channels], row[(x * channels) + 1], row[(x * channels) + 2]);
    }

    public void Dispose() => Handle.Dispose();
}
