using OpenCvSharp;

namespace VideoMtl.Vision;

/// <summary>An 8-bit colour in OpenCV's channel order.</summary>
public readonly record struct BgrColor(byte B, byte G, byte R)
{
    public static BgrColor White => new(255, 255, 255);

    public static BgrColor Black => new(0, 0, 0);

    public static BgrColor FromRgb(byte r, byte g, byte b) => new(b, g, r);

    /// <summary>The colour as OpenCV's drawing functions take it.</summary>
    public Scalar ToScalar() => new(B, G, R);
}
