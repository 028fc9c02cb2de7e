using VideoMtl.Vision.Interop;

namespace VideoMtl.Vision;

/// <summary>
/// Letterbox resize + BGR→RGB + HWC→CHW + scaling to [0,1], written straight into a caller-owned tensor
/// (one native pass; no managed intermediate). Thread-safe: scratch memory is per thread in the shim.
/// </summary>
public sealed unsafe class LetterboxTransform
{
    public LetterboxTransform(int width, int height, byte padValue = 114, float scale = 1f / 255f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        PadValue = padValue;
        Scale = scale;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Grey of the padding bars (114 like Ultralytics' training letterbox).</summary>
    public byte PadValue { get; }

    public float Scale { get; }

    /// <summary>Floats one image occupies in the tensor: 3 × height × width.</summary>
    public int TensorLength => 3 * Width * Height;

    /// <summary>Fills <paramref name="tensor"/> (at least <see cref="TensorLength"/> floats, e.g. one batch slot).</summary>
    public LetterboxGeometry Apply(ImageBuffer image, Span<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (tensor.Length < TensorLength)
        {
            throw new ArgumentException($"tensor slot holds {tensor.Length} floats but {TensorLength} are needed", nameof(tensor));
        }

        VmLetterbox placed;
        fixed (float* destination = tensor)
        {
            NativeStatus.Check(NativeMethods.vm_letterbox_to_tensor(image.Handle, destination, Width, Height, PadValue, Scale, out placed));
        }

        return new LetterboxGeometry(
            image.Width, image.Height, placed.Scale, placed.PadLeft, placed.PadTop, placed.ResizedWidth, placed.ResizedHeight);
    }
}
