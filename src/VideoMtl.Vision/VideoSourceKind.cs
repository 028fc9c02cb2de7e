namespace VideoMtl.Vision;

/// <summary>Where frames come from; decides defaults (live sources drop, files wait).</summary>
public enum VideoSourceKind
{
    File,
    Device,
    Url,
}
