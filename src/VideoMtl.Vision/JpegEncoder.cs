using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>
/// Encodes frames as JPEG into one reusable buffer (for MJPEG preview). The returned memory is valid
/// until the next <see cref="Encode"/>; copy it if it must outlive that. Not thread-safe.
/// </summary>
public sealed unsafe class JpegEncoder
{
    private byte[] _buffer;

    public JpegEncoder(int quality = 80, int initialCapacity = 256 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        Quality = quality;
        _buffer = new byte[Math.Max(1024, initialCapacity)];
    }

    public int Quality { get; }

    public ReadOnlyMemory<byte> Encode(ImageBuffer image)
    {
        ArgumentNullException.ThrowIfNull(image);
        while (true)
        {
            int status;
            int length;
            fixed (byte* p = _buffer)
            {
                status = NativeMethods.vm_jpeg_encode(image.Handle, Quality, p, _buffer.Length, out length);
            }

            if (status == NativeStatus.Ok)
            {
                return _buffer.AsMemory(0, length);
            }

            if (status != NativeStatus.BufferTooSmall || length <= _buffer.Length)
            {
                throw NativeStatus.Failure(status);
            }

            _buffer = new byte[length + (length / 4)];
        }
    }
}
