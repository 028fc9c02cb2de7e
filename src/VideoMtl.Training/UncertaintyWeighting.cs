using TorchSharp;
using static TorchSharp.torch;

namespace VideoMtl.Training;

/// <summary>
/// Learned task weighting by homoscedastic uncertainty (Kendall, Gal and Cipolla, 2018): each task i has a
/// learnable s_i = log σ_i², and the losses combine as Σ exp(−s_i)·L_i + s_i. A task whose loss stays large
/// (noisy, or on a larger scale) earns a larger σ and so a smaller weight, while the + s_i term keeps σ from
/// growing without bound; no weights to tune by hand, and adding a task adds one number.
/// </summary>
public sealed class UncertaintyWeighting : nn.Module<Tensor, Tensor>
{
    // A Parameter field is registered by RegisterComponents (a ModuleList's were not: see the tests).
    private readonly TorchSharp.Modules.Parameter logVariances;

    public UncertaintyWeighting(int tasks)
        : base(nameof(UncertaintyWeighting))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        logVariances = new TorchSharp.Modules.Parameter(zeros(tasks));
        RegisterComponents();
    }

    /// <summary>The weight exp(−s_i) each task's loss gets now, for the training log.</summary>
    public float[] Weights()
    {
        using var _ = no_grad();
        using var weights = exp(-logVariances);
        return weights.data<float>().ToArray();
    }

    /// <param name="losses">One scalar loss per task, stacked: shape [tasks].</param>
    public override Tensor forward(Tensor losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        // Σ exp(−s)·L + Σ s as one sum over both halves: no tensor + tensor, whose hidden alpha would be an implicit
        // Scalar (see ExplicitScalarAdam).
        using var weighted = exp(-logVariances) * losses;
        using var both = cat([weighted, logVariances]);
        return both.sum();
    }
}
