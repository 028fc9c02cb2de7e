using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>Still images on disk (JPEG, PNG, BMP, TIFF, WebP) as 8-bit BGR <see cref="Mat"/>s.</summary>
public static class ImageFile
{
    /// <summary>Extensions read as still images (OpenCV's imread formats that its build has).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(
        [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pbm"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="path"/> names a still image by its extension.</summary>
    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Reads an image as 8-bit BGR; the caller owns (and disposes) the Mat.</summary>
    public static Mat Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new VisionException(VisionErrorKind.NotFound, $"file not found: {path}");
        }

        var image = Cv2.ImRead(path, ImreadModes.Color);
        if (image.Empty())
        {
            image.Dispose();
            throw new VisionException(VisionErrorKind.OpenFailed, $"not a readable image (JPEG, PNG, BMP, TIFF, WebP): {path}");
        }

        return image;
    }

    /// <summary>Writes the image; the format follows the file extension.</summary>
    public static void Write(Mat image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (image.Empty())
        {
            throw new VisionException(VisionErrorKind.InvalidArgument, $"cannot write an empty image to {path}");
        }

        bool written;
        try
        {
            written = Cv2.ImWrite(path, image);
        }
        catch (OpenCVException e)
        {
            throw new VisionException(VisionErrorKind.OpenFailed, $"cannot write image {path}: {e.ErrMsg} (use .jpg, .png, .bmp, .tiff or .webp)");
        }

        if (!written)
        {
            throw new VisionException(VisionErrorKind.OpenFailed, $"cannot write image: {path}");
        }
    }
}
