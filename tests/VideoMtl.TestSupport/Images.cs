using VideoMtl.Vision;

namespace VideoMtl.TestSupport;

/// <summary>Test images with known pixels.</summary>
public static class Images
{
    /// <summary>Paints every pixel of a BGR image with <paramref name="color"/>.</summary>
    public static void Fill(ImageBuffer image, BgrColor color)
    {
        ArgumentNullException.ThrowIfNull(image);
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.GetRow(y);
            for (int x = 0; x < row.Length; x += 3)
            {
                row[x] = color.B;
                row[x + 1] = color.G;
                row[x + 2] = color.R;
            }
        }
    }
}
