namespace VideoMtl.ModelTools;

/// <summary>One convolution of a feature adapter (stride 1, "same" padding), optionally followed by SiLU.</summary>
/// <param name="Weight">[OutChannels, InChannels, Kernel, Kernel], row-major.</param>
/// <param name="Bias">[OutChannels].</param>
public sealed record AdapterLayer(int OutChannels, int InChannels, int Kernel, float[] Weight, float[] Bias, bool Silu)
{
    /// <summary>A 1×1 convolution that passes its input through unchanged.</summary>
    public static AdapterLayer Identity(int channels)
    {
        var weight = new float[channels * channels];
        for (int c = 0; c < channels; c++)
        {
            weight[(c * channels) + c] = 1;
        }

        return new AdapterLayer(channels, channels, 1, weight, new float[channels], Silu: false);
    }

    public void Validate()
    {
        if (Kernel is < 1 or > 7 || Kernel % 2 == 0 || OutChannels < 1 || InChannels < 1
            || Weight.Length != OutChannels * InChannels * Kernel * Kernel || Bias.Length != OutChannels)
        {
            throw new ArgumentException($"adapter layer {InChannels}→{OutChannels}, kernel {Kernel}: weight has {Weight.Length} values, bias {Bias.Length}");
        }
    }
}
