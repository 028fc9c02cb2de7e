namespace VideoMtl.Core.Annotation;

/// <summary>
/// Places labels so that none covers another and none leaves the frame. Objects are placed best score
/// first; each tries its label texts longest first (e.g. "#3 person 0.82", then "#3 person", then "#3") at
/// the usual spots: above its box, inside its top edge, below it, inside its bottom edge, then lower inside
/// the box. The first spot that fits and overlaps no placed label wins; an object whose every text and spot
/// collides goes without a label (its box and colour still show it). Pure geometry: no drawing, no allocation
/// once its lists have grown.
/// </summary>
public sealed class LabelLayout
{
    private readonly List<Placement> _placed = [];

    /// <summary>Forgets the labels placed so far: call once per frame.</summary>
    public void Begin(int frameWidth, int frameHeight)
    {
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        _placed.Clear();
    }

    public int FrameWidth { get; private set; }

    public int FrameHeight { get; private set; }

    /// <summary>Labels placed since <see cref="Begin"/>.</summary>
    public IReadOnlyList<Placement> Placed => _placed;

    /// <summary>
    /// Finds a spot for a label of <paramref name="width"/> × <paramref name="height"/> next to the box and
    /// claims it; false when none is free.
    /// </summary>
    public bool TryPlace(float x1, float y1, float x2, float y2, int width, int height, out Placement placement)
    {
        placement = default;
        if (width > FrameWidth || height > FrameHeight || width <= 0 || height <= 0)
        {
            return false;
        }

        int left = (int)x1, top = (int)y1, bottom = (int)y2;
        if (TryAt(left, top - height, width, height, out placement)
            || TryAt(left, top, width, height, out placement)
            || TryAt(left, bottom, width, height, out placement)
            || TryAt(left, bottom - height, width, height, out placement))
        {
            return true;
        }

        for (int y = top + height; y + height < bottom; y += height)
        {
            if (TryAt(left, y, width, height, out placement))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryAt(int left, int top, int width, int height, out Placement placement)
    {
        // Clamped into the frame: a box at the edge keeps its label on screen.
        left = Math.Clamp(left, 0, FrameWidth - width);
        top = Math.Clamp(top, 0, FrameHeight - height);
        placement = new Placement(left, top, width, height);
        foreach (var other in _placed)
        {
            if (placement.Overlaps(other))
            {
                return false;
            }
        }

        _placed.Add(placement);
        return true;
    }

    /// <summary>A label's rectangle in frame pixels.</summary>
    public readonly record struct Placement(int Left, int Top, int Width, int Height)
    {
        public bool Overlaps(in Placement other) =>
            Left < other.Left + other.Width && other.Left < Left + Width && Top < other.Top + other.Height && other.Top < Top + Height;
    }
}
