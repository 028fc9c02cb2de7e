namespace VideoMtl.ModelTools;

/// <summary>
/// Where a YOLOv8 head's anchors sit: one per cell of each level's grid (strides 8, 16, 32 …), level by level, row
/// by row, as the heads number them. Declared once for the model composer (the decode's grid and strides) and for
/// training (an anchor's level and cell).
/// </summary>
public sealed class AnchorLayout
{
    private readonly (int Stride, int Rows, int Columns, int First)[] _levels;

    /// <param name="height">Model input height (a multiple of the largest stride).</param>
    /// <param name="width">Model input width.</param>
    /// <param name="levels">Levels, each with twice the stride of the one before, from 8.</param>
    public AnchorLayout(int height, int width, int levels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        _levels = new (int, int, int, int)[levels];
        int first = 0;
        for (int level = 0; level < levels; level++)
        {
            int stride = 8 << level;
            _levels[level] = (stride, height / stride, width / stride, first);
            first += (height / stride) * (width / stride);
        }

        Count = first;
    }

    /// <summary>Anchors over all levels (8400 at 640² with three levels).</summary>
    public int Count { get; }

    /// <summary>Number of levels.</summary>
    public int Levels => _levels.Length;

    /// <summary>A level's stride, grid rows and columns, and the index of its first anchor.</summary>
    public (int Stride, int Rows, int Columns, int First) Level(int level) => _levels[level];

    /// <summary>An anchor's level and cell.</summary>
    public (int Level, int X, int Y) Locate(int anchor)
    {
        for (int level = 0; level < _levels.Length; level++)
        {
            var (_, rows, columns, first) = _levels[level];
            if (anchor >= first && anchor < first + (rows * columns))
            {
                int local = anchor - first;
                return (level, local % columns, local / columns);
            }
        }

        throw new ArgumentOutOfRangeException(nameof(anchor), anchor, $"anchors run 0..{Count - 1}");
    }

    /// <summary>Per anchor: its grid cell (x then y, as [2, anchors]) and its stride, as the decode in the graph wants them.</summary>
    public (float[] Grid, float[] Strides) GridAndStrides()
    {
        float[] grid = new float[2 * Count];
        float[] strides = new float[Count];
        foreach (var (stride, rows, columns, first) in _levels)
        {
            for (int y = 0; y < rows; y++)
            {
                for (int x = 0; x < columns; x++)
                {
                    int anchor = first + (y * columns) + x;
                    grid[anchor] = x;
                    grid[Count + anchor] = y;
                    strides[anchor] = stride;
                }
            }
        }

        return (grid, strides);
    }
}
