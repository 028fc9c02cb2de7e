using VideoMtl.Core.Results;

namespace VideoMtl.Core.Tests;

/// <summary>Pooled masks: reused buffers never leak pixels from one object or frame into another.</summary>
public sealed class MaskPoolingTests
{
    [Fact]
    public void A_rented_mask_is_sized_for_its_object_and_reused_after_clear()
    {
        var detections = new Detections(17);
        int i = detections.Add(10, 20, 110, 220, 0, 0.9f);
        var mask = detections.RentMask(i, 10, 20, 100, 200);
        Assert.Equal((10, 20, 100, 200), (mask.Left, mask.Top, mask.Width, mask.Height));
        Assert.True(mask.Bits.Length >= 100 * 200);
        Assert.Equal(100 * 200, mask.Pixels.Length);
        mask.Pixels.Fill(1);
        Assert.Same(mask, detections.GetMask(i));

        detections.Clear();
        int j = detections.Add(0, 0, 5, 4, 0, 0.5f);
        Assert.Null(detections.GetMask(j)); // a new object has no mask until one is rented
        var small = detections.RentMask(j, 0, 0, 5, 4);
        Assert.Same(mask, small); // same slot, same mask object
        Assert.Equal(20, small.Pixels.Length);
        small.Pixels.Clear();
        Assert.Equal(0, small.Area);
        Assert.False(small.Contains(4, 4)); // outside its 5x4 box, whatever the buffer held before
    }

    [Fact]
    public void Buffers_go_back_to_the_pool_and_come_out_again()
    {
        // A size class no other test uses (the pool is shared by the whole process): 2000x1500.
        var first = new Detections(17);
        first.Add(0, 0, 2000, 1500, 0, 0.9f);
        var buffer = first.RentMask(0, 0, 0, 2000, 1500).Bits;
        first.Clear();

        var second = new Detections(17);
        second.Add(0, 0, 1900, 1400, 0, 0.9f);
        Assert.Same(buffer, second.RentMask(0, 0, 0, 1900, 1400).Bits);
    }
}
