namespace VideoMtl.Core.Annotation;

/// <summary>Which overlays a view draws. <see cref="All"/> is what the video file and the default preview show.</summary>
[Flags]
public enum OverlaySet
{
    None = 0,
    Masks = 1,
    Boxes = 2,
    Skeletons = 4,
    Labels = 8,
    All = Masks | Boxes | Skeletons | Labels,
}
