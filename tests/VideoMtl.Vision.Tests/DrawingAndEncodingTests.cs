using VideoMtl.TestSupport;

namespace VideoMtl.Vision.Tests;

public sealed class DrawingAndEncodingTests
{
    private static readonly BgrColor Red = BgrColor.FromRgb(255, 0, 0);

    [Fact]
    public void Filled_shapes_colour_their_inside_only()
    {
        using var image = ImageBuffer.Create(100, 100);
        Images.Fill(image, BgrColor.Black);
        image.DrawRectangle(10, 10, 30, 30, Red, thickness: -1);
        Assert.Equal(Red, image.GetPixel(20, 20));
        Assert.Equal(BgrColor.Black, image.GetPixel(50, 50));

        image.DrawCircle(70, 70, 8, BgrColor.White);
        Assert.Equal(BgrColor.White, image.GetPixel(70, 70));
        Assert.Equal(BgrColor.Black, image.GetPixel(70, 85));

        image.DrawLine(0, 50, 99, 50, new BgrColor(0, 255, 0), thickness: 3);
        Assert.Equal(new BgrColor(0, 255, 0), image.GetPixel(40, 50));
    }

    [Fact]
    public void Translucent_polygon_and_mask_blend_half_way()
    {
        using var image = ImageBuffer.Create(100, 100);
        Images.Fill(image, new BgrColor(0, 0, 0));
        image.FillPolygon([(10, 10), (60, 10), (60, 60), (10, 60)], BgrColor.White, opacity: 0.5f);
        Assert.Equal(new BgrColor(128, 128, 128), image.GetPixel(30, 30));
        Assert.Equal(BgrColor.Black, image.GetPixel(80, 80));

        var mask = new byte[20 * 10];
        mask[(5 * 20) + 5] = 1;
        image.BlendMask(mask, 20, 10, left: 70, top: 70, BgrColor.White, opacity: 0.5f);
        Assert.Equal(new BgrColor(128, 128, 128), image.GetPixel(75, 75));
        Assert.Equal(BgrColor.Black, image.GetPixel(76, 75));

        // A mask hanging over the edge is clipped, not an error.
        image.BlendMask(new byte[400].Select(_ => (byte)1).ToArray(), 20, 20, left: 90, top: -5, Red, opacity: 1f);
        Assert.Equal(Red, image.GetPixel(99, 0));
    }

    [Fact]
    public void Label_draws_text_on_its_background_and_stays_on_screen()
    {
        using var image = ImageBuffer.Create(200, 100);
        Images.Fill(image, BgrColor.Black);
        var (w, h) = image.DrawLabel("person 0.91", 5, 3, BgrColor.White, new BgrColor(200, 0, 0));
        Assert.InRange(w, 40, 200);
        Assert.InRange(h, 8, 40);
        // The anchor is near the top, so the box moves below it and starts at y = 3.
        Assert.Equal(new BgrColor(200, 0, 0), image.GetPixel(6, 4));
        int bright = 0;
        for (int y = 3; y < 3 + h; y++)
        {
            for (int x = 5; x < 5 + w; x++)
            {
                bright += image.GetPixel(x, y).G > 128 ? 1 : 0;
            }
        }

        Assert.True(bright > 20, "the label text left too few white pixels");
    }

    [Fact]
    public void Jpeg_encoding_reuses_its_buffer_and_decodes_back()
    {
        using var capture = VideoCapture.Open(TestData.VtestAvi);
        using var frame = ImageBuffer.CreateEmpty();
        Assert.True(capture.Read(frame, out _));
        var encoder = new JpegEncoder(quality: 85, initialCapacity: 1024);
        var first = encoder.Encode(frame);
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, first.Span[..2].ToArray());
        Assert.Equal(new byte[] { 0xFF, 0xD9 }, first.Span[^2..].ToArray());

        using var temp = new TemporaryDirectory();
        string path = temp.File("frame.jpg");
        File.WriteAllBytes(path, first.ToArray());
        using var decoded = ImageBuffer.Load(path);
        Assert.Equal((768, 576), (decoded.Width, decoded.Height));

        // After growing once, the same buffer serves the next frame.
        Assert.True(capture.Read(frame, out _));
        var second = encoder.Encode(frame);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(first, out var a));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second, out var b));
        Assert.Same(a.Array, b.Array);
    }

    [Fact]
    public void Image_errors_name_the_file()
    {
        Assert.Equal(VisionErrorKind.NotFound, Assert.Throws<VisionException>(() => ImageBuffer.Load("/nope/x.png")).Kind);
        using var temp = new TemporaryDirectory();
        string bogus = temp.File("bogus.jpg");
        File.WriteAllText(bogus, "not an image");
        var e = Assert.Throws<VisionException>(() => ImageBuffer.Load(bogus));
        Assert.Contains(bogus, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_opencv_and_its_video_backends()
    {
        Assert.StartsWith("4.", OpenCvInfo.Version, StringComparison.Ordinal);
        Assert.Contains("FFMPEG", OpenCvInfo.VideoBackends);
    }
}
