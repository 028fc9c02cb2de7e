using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>Encodes frames as JPEG (for the MJPEG preview and snapshots). Thread-safe.</summary>
public sealed class JpegEncoder
{
    private readonly int[] _parameters;

    public JpegEncoder(int quality = 80)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        Quality = quality;
        _parameters = [(int)ImwriteFlags.JpegQuality, quality];
    }

    public int Quality { get; }

    /// <summary>The JPEG bytes of <paramref name="image"/>, in a new array the caller owns (the preview shares it
    /// with every client as it is, so no second copy is made).</summary>
    public byte[] Encode(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty())
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, "cannot encode an empty image as JPEG");
        }

        if (!Cv2.ImEncode(".jpg", image, out byte[] encoded, _parameters))
        {
            throw new VisionException(VisionErrorKind.OpenCv, "JPEG encoding failed");
        }

        return encoded;
    }
}
