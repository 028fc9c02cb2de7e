using TorchSharp;
using TorchSharp.Modules;
using VideoMtl.ModelTools;
using static TorchSharp.torch;

namespace VideoMtl.Training;

/// <summary>
/// Maps one level of the segmentation network's neck onto what the pose network's head expects at that level:
/// two 3×3 convolutions with SiLU (the exports' activation) and a 1×1 convolution, same channels in and out.
/// Small next to a second backbone and neck (about 0.8 GMAC per 640² frame for all three levels against the
/// pose network's 4.6), and exported as plain Conv nodes.
/// </summary>
public sealed class NeckAdapter : nn.Module<Tensor, Tensor>
{
    // Fields are registered by RegisterComponents; a ModuleList's children were not (see the tests).
    private readonly Conv2d first;
    private readonly Conv2d second;
    private readonly Conv2d last;

    public NeckAdapter(int channels)
        : base(nameof(NeckAdapter))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        first = nn.Conv2d(channels, channels, 3, padding: 1);
        second = nn.Conv2d(channels, channels, 3, padding: 1);
        last = nn.Conv2d(channels, channels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var a = nn.functional.silu(first.forward(input));
        using var b = nn.functional.silu(second.forward(a));
        return last.forward(b);
    }

    /// <summary>The trained layers, as the ONNX composer takes them.</summary>
    public IReadOnlyList<AdapterLayer> Export() => [Layer(first, silu: true), Layer(second, silu: true), Layer(last, silu: false)];

    private static AdapterLayer Layer(Conv2d conv, bool silu)
    {
        using var _ = no_grad();
        var weight = conv.weight!;
        return new AdapterLayer(
            (int)weight.shape[0], (int)weight.shape[1], (int)weight.shape[2],
            weight.detach().contiguous().data<float>().ToArray(), conv.bias!.detach().contiguous().data<float>().ToArray(), silu);
    }
}
