using VideoMtl.ModelTools;

namespace VideoMtl.ModelTools.Tests;

public sealed class AnchorLayoutTests
{
    [Fact]
    public void Anchors_run_level_by_level_row_by_row_and_the_decode_tables_agree()
    {
        var layout = new AnchorLayout(640, 640, 3);
        Assert.Equal(8400, layout.Count);
        Assert.Equal((8, 80, 80, 0), layout.Level(0));
        Assert.Equal((32, 20, 20, 8000), layout.Level(2));
        Assert.Equal((0, 0, 0), layout.Locate(0));
        Assert.Equal((0, 79, 0), layout.Locate(79));
        Assert.Equal((0, 0, 1), layout.Locate(80));
        Assert.Equal((1, 0, 0), layout.Locate(6400));
        Assert.Equal((2, 19, 19), layout.Locate(8399));
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.Locate(8400));

        var (grid, strides) = layout.GridAndStrides();
        foreach (int anchor in new[] { 0, 79, 80, 6399, 6400, 7999, 8000, 8399 })
        {
            var (level, x, y) = layout.Locate(anchor);
            Assert.Equal((x, y, 8 << level), ((int)grid[anchor], (int)grid[8400 + anchor], (int)strides[anchor]));
        }
    }

    [Fact]
    public void A_wide_input_has_more_columns_than_rows()
    {
        var layout = new AnchorLayout(384, 640, 3);
        Assert.Equal((8, 48, 80, 0), layout.Level(0));
        Assert.Equal((0, 5, 1), layout.Locate(85));
        Assert.Equal((48 * 80) + (24 * 40) + (12 * 20), layout.Count);
    }
}
