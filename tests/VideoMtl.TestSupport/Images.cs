using OpenCvSharp;
using VideoMtl.Vision;

namespace VideoMtl.TestSupport;

/// <summary>Test images with known pixels.</summary>
public static class Images
{
    /// <summary>Paints every pixel of a BGR image with <paramref name="color"/>, byte by byte (not through OpenCV, so a test of OpenCV's output does not lean on OpenCV to set up its input).</summary>
    public static void Fill(Mat image, BgrColor color)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pixels = image.Pixels();
        for (int x = 0; x + 2 < pixels.Length; x += 3)
        {
            pixels[x] = color.B;
            pixels[x + 1] = color.G;
            pixels[x + 2] = color.R;
        }
    }

    /// <summary>An image file as a 640×640 model input (letterboxed, RGB, 0..1, planar), as the pipeline feeds a model.</summary>
    public static float[] ModelInput(string imagePath)
    {
        using var image = ImageFile.Read(imagePath);
        var letterbox = new LetterboxTransform(640, 640);
        var input = new float[letterbox.TensorLength];
        letterbox.Apply(image, input);
        return input;
    }
}
