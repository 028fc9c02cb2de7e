using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoMtl.Training;

/// <summary>
/// Adam (Kingma and Ba, 2015) written against TorchSharp with every Scalar made explicitly and kept alive until
/// LibTorch is done with it. Why not <c>optim.Adam</c>: TorchSharp 0.107's implicit conversions (a float passed
/// where a Scalar is expected, and the hidden alpha = 1 of <c>Tensor.add</c>/<c>sub</c>) make a Scalar whose only
/// reference ends once its native handle is read; a garbage collection during the native call then lets the
/// finalizer free it while LibTorch reads it ("Unknown scalar type", "Expected false to be true" after a few
/// hundred to a few thousand steps, more often the more the step allocates). The same rule holds for the losses.
/// </summary>
internal sealed class ExplicitScalarAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _first;
    private readonly Tensor[] _second;
    private readonly double _learningRate;
    private readonly double _beta1 = 0.9, _beta2 = 0.999;
    private readonly Scalar _keep1, _keep2, _new1, _new2, _epsilon, _one;
    private int _step;

    public ExplicitScalarAdam(IEnumerable<Parameter> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        _learningRate = learningRate;
        _first = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        _second = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        (_keep1, _keep2) = (_beta1.ToScalar(), _beta2.ToScalar());
        (_new1, _new2) = ((1 - _beta1).ToScalar(), (1 - _beta2).ToScalar());
        _epsilon = 1e-8.ToScalar();
        _one = 1.0.ToScalar();
    }

    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            parameter.grad?.zero_();
        }
    }

    public void Step()
    {
        _step++;
        using var stepSize = (-_learningRate / (1 - Math.Pow(_beta1, _step))).ToScalar();
        using var unbias = (1 / Math.Sqrt(1 - Math.Pow(_beta2, _step))).ToScalar();
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var gradient = _parameters[i].grad;
            if (gradient is null)
            {
                continue;
            }

            _first[i].mul_(_keep1).add_(gradient, _new1);
            _second[i].mul_(_keep2).addcmul_(gradient, gradient, _new2);
            using var root = _second[i].sqrt();
            using var denominator = root.mul_(unbias).add_(_epsilon, _one);
            _parameters[i].addcdiv_(_first[i], denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var t in _first.Concat(_second))
        {
            t.Dispose();
        }

        foreach (var s in new[] { _keep1, _keep2, _new1, _new2, _epsilon, _one })
        {
            s.Dispose();
        }
    }
}
