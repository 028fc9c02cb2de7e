namespace VideoMtl.ModelTools;

/// <summary>One convolution (stride 1, "same" zero padding), optionally followed by SiLU: a layer of a keypoint branch.</summary>
/// <param name="Weight">[OutChannels, InChannels, Kernel, Kernel], row-major.</param>
/// <param name="Bias">[OutChannels].</param>
public sealed record ConvLayer(int OutChannels, int InChannels, int Kernel, float[] Weight, float[] Bias, bool Silu)
{
    public void Validate()
    {
        if (Kernel is < 1 or > 7 || Kernel % 2 == 0 || OutChannels < 1 || InChannels < 1
            || Weight.Length != OutChannels * InChannels * Kernel * Kernel || Bias.Length != OutChannels)
        {
            throw new ArgumentException($"convolution {InChannels}→{OutChannels}, kernel {Kernel}: weight has {Weight.Length} values, bias {Bias.Length}");
        }
    }
}
