using TorchSharp.Modules;
using VideoMtl.ModelTools;
using static TorchSharp.torch;

namespace VideoMtl.Training;

/// <summary>
/// The student's keypoint branch at one neck level: a 1×1 adapter (no bias) from the segmentation neck's
/// channels to what the pose network's branch expects, then that branch (3×3 + SiLU, 3×3 + SiLU, 1×1 to 3 values
/// per keypoint), started from the teacher's own weights. Trained on 5×5 windows around the anchors that matter
/// (valid convolutions, no padding: one output per window) rather than whole maps, which costs a few hundred
/// anchors per frame instead of 8,400. Exported with the adapter folded into the first convolution (a 1×1
/// convolution without bias followed by a convolution is one convolution, also where it pads with zeros), so the
/// shared model pays for the teacher's branch and nothing more.
/// </summary>
public sealed class KeypointBranchLevel : nn.Module<Tensor, Tensor, Tensor>
{
    // Fields are registered by RegisterComponents (a ModuleList's children were not: see the tests).
    private readonly Conv2d adapter;
    private readonly Conv2d first;
    private readonly Conv2d second;
    private readonly Conv2d last;

    /// <param name="teacher">The teacher's branch at this level: 3×3 + SiLU, 3×3 + SiLU, 1×1.</param>
    public KeypointBranchLevel(IReadOnlyList<ConvLayer> teacher)
        : base(nameof(KeypointBranchLevel))
    {
        ArgumentNullException.ThrowIfNull(teacher);
        if (teacher.Count != 3 || teacher[0].Kernel != 3 || teacher[1].Kernel != 3 || teacher[2].Kernel != 1 || !teacher[0].Silu || !teacher[1].Silu || teacher[2].Silu)
        {
            throw new ArgumentException("the teacher's branch must be 3×3 + SiLU, 3×3 + SiLU, 1×1 (a YOLOv8 pose head's cv4)");
        }

        Channels = teacher[0].InChannels;
        adapter = nn.Conv2d(Channels, Channels, 1, bias: false);
        first = nn.Conv2d(Channels, teacher[0].OutChannels, 3);
        second = nn.Conv2d(teacher[1].InChannels, teacher[1].OutChannels, 3);
        last = nn.Conv2d(teacher[2].InChannels, teacher[2].OutChannels, 1);
        RegisterComponents();
        using var _ = no_grad();
        adapter.weight!.copy_(eye(Channels).view(Channels, Channels, 1, 1));
        Load(first, teacher[0]);
        Load(second, teacher[1]);
        Load(last, teacher[2]);
    }

    public int Channels { get; }

    /// <param name="windows">[n, channels, 5, 5] around n anchors.</param>
    /// <param name="inside">[n, 1, 3, 3]: 1 where the first convolution's output lies inside the map (the second convolution pads the rest with zeros).</param>
    /// <returns>[n, 3·K]: the raw keypoint values at the anchors.</returns>
    public override Tensor forward(Tensor windows, Tensor inside)
    {
        using var adapted = adapter.forward(windows);
        using var a = first.forward(adapted);
        using var b = nn.functional.silu(a);
        using var c = b * inside;
        using var d = second.forward(c);
        using var e = nn.functional.silu(d);
        using var f = last.forward(e);
        return f.flatten(1);
    }

    /// <summary>Starts the adapter from a least-squares map of the segmentation neck onto the pose neck: [channels, channels], out × in.</summary>
    public void StartAdapter(Tensor map)
    {
        ArgumentNullException.ThrowIfNull(map);
        using var _ = no_grad();
        adapter.weight!.copy_(map.view(Channels, Channels, 1, 1));
    }

    /// <summary>The branch as the composer takes it, the adapter folded into the first convolution.</summary>
    public IReadOnlyList<ConvLayer> Export()
    {
        using var _ = no_grad();
        using var map = adapter.weight!.detach().view(Channels, Channels);
        using var folded = einsum("ockl,ci->oikl", first.weight!.detach(), map).contiguous();
        return
        [
            new ConvLayer((int)folded.shape[0], Channels, 3, folded.data<float>().ToArray(), Values(first.bias!), Silu: true),
            Layer(second, silu: true),
            Layer(last, silu: false),
        ];
    }

    private static void Load(Conv2d conv, ConvLayer layer)
    {
        conv.weight!.copy_(tensor(layer.Weight, [layer.OutChannels, layer.InChannels, layer.Kernel, layer.Kernel]));
        conv.bias!.copy_(tensor(layer.Bias));
    }

    private static ConvLayer Layer(Conv2d conv, bool silu)
    {
        var weight = conv.weight!;
        return new ConvLayer((int)weight.shape[0], (int)weight.shape[1], (int)weight.shape[2], Values(weight), Values(conv.bias!), silu);
    }

    private static float[] Values(Tensor t)
    {
        using var contiguous = t.detach().contiguous();
        return contiguous.data<float>().ToArray();
    }
}
