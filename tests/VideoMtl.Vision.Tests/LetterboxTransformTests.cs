using OpenCvSharp;
using VideoMtl.TestSupport;

namespace VideoMtl.Vision.Tests;

public sealed class LetterboxTransformTests
{
    private const float Pad = 114f / 255f;

    [Theory]
    [InlineData(768, 576, 0.8333333f, 0, 80, 640, 480)]
    [InlineData(810, 1080, 0.5925926f, 80, 0, 480, 640)]
    [InlineData(960, 540, 0.6666667f, 0, 140, 640, 360)]
    [InlineData(640, 640, 1f, 0, 0, 640, 640)]
    [InlineData(1, 1, 640f, 0, 0, 640, 640)]
    [InlineData(7680, 4320, 0.0833333f, 0, 140, 640, 360)]
    [InlineData(1000, 3, 0.64f, 0, 319, 640, 2)]
    public void Geometry_matches_the_known_placements(int w, int h, float scale, int left, int top, int rw, int rh)
    {
        var g = LetterboxGeometry.Compute(w, h, 640, 640);
        Assert.Equal(scale, g.Scale, 5);
        Assert.Equal((left, top, rw, rh), (g.PadLeft, g.PadTop, g.ResizedWidth, g.ResizedHeight));
    }

    [Fact]
    public void Native_pass_places_the_image_where_the_managed_geometry_says()
    {
        var transform = new LetterboxTransform(640, 640);
        var tensor = new float[transform.TensorLength];
        using var image = ImageFile.Read(TestData.BusJpg);
        var placed = transform.Apply(image, tensor);
        Assert.Equal(LetterboxGeometry.Compute(810, 1080, 640, 640), placed);

        // Left and right bars are padding grey in all three planes; the picture is not.
        for (int plane = 0; plane < 3; plane++)
        {
            Assert.Equal(Pad, tensor[(plane * 640 * 640) + (320 * 640) + 10], 6);
            Assert.Equal(Pad, tensor[(plane * 640 * 640) + (320 * 640) + 630], 6);
        }

        Assert.Contains(tensor.Skip((320 * 640) + 80).Take(480), v => MathF.Abs(v - Pad) > 0.01f);
    }

    [Fact]
    public void Copies_pixels_exactly_as_planar_rgb_when_no_resize_is_needed()
    {
        using var image = new Mat(480, 640, MatType.CV_8UC3);
        for (int y = 0; y < 480; y++)
        {
            var row = image.GetRow(y);
            for (int x = 0; x < 640; x++)
            {
                row[x * 3] = (byte)(x % 256);          // B
                row[(x * 3) + 1] = (byte)(y % 256);    // G
                row[(x * 3) + 2] = (byte)((x + y) % 256); // R
            }
        }

        var transform = new LetterboxTransform(640, 640);
        var tensor = new float[transform.TensorLength];
        var placed = transform.Apply(image, tensor);
        Assert.Equal((0, 80), (placed.PadLeft, placed.PadTop));
        const int plane = 640 * 640;
        foreach (var (x, y) in new[] { (0, 0), (639, 479), (123, 45), (300, 200) })
        {
            int at = ((y + 80) * 640) + x;
            Assert.Equal(((x + y) % 256) / 255f, tensor[at], 6);        // R plane first
            Assert.Equal((y % 256) / 255f, tensor[plane + at], 6);
            Assert.Equal((x % 256) / 255f, tensor[(2 * plane) + at], 6);
        }

        Assert.Equal(Pad, tensor[(79 * 640) + 5], 6);
        Assert.Equal(Pad, tensor[(560 * 640) + 5], 6);
    }

    [Fact]
    public void Upscales_a_tiny_uniform_image_and_pads_the_rest()
    {
        using var image = new Mat(2, 4, MatType.CV_8UC3);
        Images.Fill(image, new BgrColor(10, 20, 30));
        var transform = new LetterboxTransform(8, 8);
        var tensor = new float[transform.TensorLength];
        var placed = transform.Apply(image, tensor);
        Assert.Equal((2f, 0, 2, 8, 4), (placed.Scale, placed.PadLeft, placed.PadTop, placed.ResizedWidth, placed.ResizedHeight));
        for (int y = 0; y < 8; y++)
        {
            bool inside = y is >= 2 and < 6;
            Assert.Equal(inside ? 30 / 255f : Pad, tensor[(y * 8) + 3], 6);
            Assert.Equal(inside ? 20 / 255f : Pad, tensor[64 + (y * 8) + 3], 6);
            Assert.Equal(inside ? 10 / 255f : Pad, tensor[128 + (y * 8) + 3], 6);
        }
    }

    [Fact]
    public void Writes_into_a_batch_slot_without_touching_its_neighbours()
    {
        using var image = new Mat(32, 32, MatType.CV_8UC3);
        Images.Fill(image, BgrColor.White);
        var transform = new LetterboxTransform(16, 16);
        var batch = new float[transform.TensorLength * 3];
        Array.Fill(batch, -1f);
        transform.Apply(image, batch.AsSpan(transform.TensorLength, transform.TensorLength));
        Assert.All(batch.Take(transform.TensorLength), v => Assert.Equal(-1f, v));
        Assert.All(batch.Skip(transform.TensorLength).Take(transform.TensorLength), v => Assert.Equal(1f, v));
        Assert.All(batch.Skip(2 * transform.TensorLength), v => Assert.Equal(-1f, v));
    }

    [Fact]
    public void Maps_model_coordinates_back_to_source_pixels()
    {
        var g = LetterboxGeometry.Compute(768, 576, 640, 640);
        Assert.Equal(0f, g.ToSourceX(0), 3);
        Assert.Equal(0f, g.ToSourceY(80), 3);
        Assert.Equal(768f, g.ToSourceX(640), 3);
        Assert.Equal(576f, g.ToSourceY(560), 3);
        Assert.Equal(0f, g.ClampY(g.ToSourceY(10)));
    }

    [Fact]
    public void Refuses_a_tensor_that_is_too_small()
    {
        using var image = new Mat(8, 8, MatType.CV_8UC3);
        var transform = new LetterboxTransform(16, 16);
        Assert.Throws<ArgumentException>(() => transform.Apply(image, new float[10]));
    }
}
