using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>A fixed, well-separated colour per class id (or track id), so a class keeps its colour across frames.</summary>
public static class ColorPalette
{
    private static readonly BgrColor[] Colors =
    [
        BgrColor.FromRgb(230, 25, 75), BgrColor.FromRgb(60, 180, 75), BgrColor.FromRgb(255, 225, 25), BgrColor.FromRgb(0, 130, 200),
        BgrColor.FromRgb(245, 130, 48), BgrColor.FromRgb(145, 30, 180), BgrColor.FromRgb(70, 240, 240), BgrColor.FromRgb(240, 50, 230),
        BgrColor.FromRgb(210, 245, 60), BgrColor.FromRgb(250, 190, 212), BgrColor.FromRgb(0, 128, 128), BgrColor.FromRgb(220, 190, 255),
        BgrColor.FromRgb(170, 110, 40), BgrColor.FromRgb(255, 250, 200), BgrColor.FromRgb(128, 0, 0), BgrColor.FromRgb(170, 255, 195),
        BgrColor.FromRgb(128, 128, 0), BgrColor.FromRgb(255, 215, 180), BgrColor.FromRgb(0, 0, 128), BgrColor.FromRgb(128, 128, 128),
    ];

    public static BgrColor For(int id) => Colors[(int)((uint)id % (uint)Colors.Length)];

    /// <summary>Black or white, whichever reads better on <paramref name="background"/>.</summary>
    public static BgrColor TextOn(BgrColor background) =>
        (0.299 * background.R) + (0.587 * background.G) + (0.114 * background.B) > 150 ? BgrColor.Black : BgrColor.White;
}
