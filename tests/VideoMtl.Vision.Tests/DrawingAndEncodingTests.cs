using OpenCvSharp;
using VideoMtl.TestSupport;

namespace VideoMtl.Vision.Tests;

public sealed class DrawingAndEncodingTests
{
    private static readonly BgrColor Red = BgrColor.FromRgb(255, 0, 0);

    [Fact]
    public void Filled_shapes_colour_their_inside_only()
    {
        using var image = new Mat(100, 100, MatType.CV_8UC3);
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
        using var image = new Mat(100, 100, MatType.CV_8UC3);
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
        using var image = new Mat(100, 200, MatType.CV_8UC3);
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
    public void Jpeg_encoding_gives_each_frame_its_own_array_that_decodes_back()
    {
        using var capture = VideoFileReader.Open(TestData.VtestAvi);
        using var frame = new Mat();
        Assert.True(capture.Read(frame, out _));
        var encoder = new JpegEncoder(quality: 85);
        byte[] first = encoder.Encode(frame);
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, first[..2]);
        Assert.Equal(new byte[] { 0xFF, 0xD9 }, first[^2..]);

        using var temp = new TemporaryDirectory();
        string path = temp.File("frame.jpg");
        File.WriteAllBytes(path, first);
        using var decoded = ImageFile.Read(path);
        Assert.Equal((768, 576), (decoded.Width, decoded.Height));

        // The preview hands the array to its clients as it is: the next encoding must not write into it.
        byte[] copy = first.ToArray();
        Assert.True(capture.Read(frame, out _));
        byte[] second = encoder.Encode(frame);
        Assert.NotSame(first, second);
        Assert.Equal(copy, first);
        Assert.Throws<VisionException>(() => encoder.Encode(new Mat()));
    }

    [Fact]
    public void Image_files_round_trip_and_a_bad_extension_is_named()
    {
        using var temp = new TemporaryDirectory();
        using var image = new Mat(20, 30, MatType.CV_8UC3);
        Images.Fill(image, new BgrColor(10, 200, 30));
        string png = temp.File("x.png");
        ImageFile.Write(image, png);
        using var back = ImageFile.Read(png);
        Assert.Equal((30, 20), (back.Width, back.Height));
        Assert.Equal(new BgrColor(10, 200, 30), back.GetPixel(29, 19));
        var e = Assert.Throws<VisionException>(() => ImageFile.Write(image, temp.File("x.nope")));
        Assert.Contains("x.nope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_errors_name_the_file()
    {
        Assert.Equal(VisionErrorKind.NotFound, Assert.Throws<VisionException>(() => ImageFile.Read("/nope/x.png")).Kind);
        using var temp = new TemporaryDirectory();
        string bogus = temp.File("bogus.jpg");
        File.WriteAllText(bogus, "not an image");
        var e = Assert.Throws<VisionException>(() => ImageFile.Read(bogus));
        Assert.Contains(bogus, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_opencv_and_its_video_backends()
    {
        Assert.StartsWith("4.", OpenCvInfo.Version, StringComparison.Ordinal);
        Assert.StartsWith("4.13", OpenCvInfo.Version, StringComparison.Ordinal);
        Assert.Contains("FFMPEG", OpenCvInfo.VideoBackends);
    }

    [Fact]
    public void Video_backends_are_the_top_level_yes_entries_of_the_build_information()
    {
        const string info = "  Video I/O:\n    FFMPEG:                      YES\n      avcodec:                   YES (61.19.101)\n" +
            "    GStreamer:                   NO\n    v4l/v4l2:                    YES (linux/videodev2.h)\n\n  Parallel framework:            pthreads\n";
        Assert.Equal(["FFMPEG", "V4L2"], OpenCvInfo.ParseVideoBackends(info));
    }

    [Fact]
    public void Drawing_refuses_an_image_that_is_not_bgr()
    {
        using var grey = new Mat(10, 10, MatType.CV_8UC1, Scalar.All(0));
        Assert.Throws<VisionException>(() => grey.DrawRectangle(1, 1, 5, 5, BgrColor.White));
        using var empty = new Mat();
        Assert.Throws<VisionException>(() => empty.DrawLine(0, 0, 5, 5, BgrColor.White));
    }
}
