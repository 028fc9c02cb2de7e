namespace VideoMtl.Vision;

/// <summary>
/// How a source frame was placed into the model input: scaled by <see cref="Scale"/> and offset by the
/// padding. Maps model-space coordinates back to source pixels.
/// </summary>
public readonly record struct LetterboxGeometry(
    int SourceWidth, int SourceHeight, float Scale, int PadLeft, int PadTop, int ResizedWidth, int ResizedHeight)
{
    /// <summary>The placement for a source of the given size in a target of the given size (same as the native pass).</summary>
    public static LetterboxGeometry Compute(int sourceWidth, int sourceHeight, int targetWidth, int targetHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetHeight);
        float scale = MathF.Min((float)targetWidth / sourceWidth, (float)targetHeight / sourceHeight);
        int width = Math.Clamp((int)MathF.Round(sourceWidth * scale, MidpointRounding.AwayFromZero), 1, targetWidth);
        int height = Math.Clamp((int)MathF.Round(sourceHeight * scale, MidpointRounding.AwayFromZero), 1, targetHeight);
        return new LetterboxGeometry(
            sourceWidth, sourceHeight, scale, (targetWidth - width) / 2, (targetHeight - height) / 2, width, height);
    }

    /// <summary>Model-input x to source x (not clipped).</summary>
    public float ToSourceX(float x) => (x - PadLeft) / Scale;

    /// <summary>Model-input y to source y (not clipped).</summary>
    public float ToSourceY(float y) => (y - PadTop) / Scale;

    public float ClampX(float x) => Math.Clamp(x, 0, SourceWidth);

    public float ClampY(float y) => Math.Clamp(y, 0, SourceHeight);
}
