using VideoMtl.Vision;

namespace VideoMtl.Core.Annotation;

/// <summary>A fixed, well-separated colour per track id (or class id), so an object keeps its colour across frames.</summary>
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

    /// <summary>
    /// The colour object <paramref name="index"/> is drawn in: its track's, so a person keeps one colour across
    /// frames and two people of the same class differ; its class's while it has no track id.
    /// </summary>
    public static BgrColor ForObject(Results.Detections detections, int index)
    {
        ArgumentNullException.ThrowIfNull(detections);
        int track = detections.TrackIds[index];
        return track >= 0 ? For(track) : For(detections.ClassIds[index]);
    }

    /// <summary>Black or white, whichever reads better on <paramref name="background"/>.</summary>
    public static BgrColor TextOn(BgrColor background) =>
        (0.299 * background.R) + (0.587 * background.G) + (0.114 * background.B) > 150 ? BgrColor.Black : BgrColor.White;
}
