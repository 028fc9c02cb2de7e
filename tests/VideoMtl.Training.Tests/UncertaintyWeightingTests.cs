using TorchSharp;
using static TorchSharp.torch;

namespace VideoMtl.Training.Tests;

public sealed class UncertaintyWeightingTests
{
    [Fact]
    public void Its_one_parameter_per_task_is_registered()
    {
        using var weighting = new UncertaintyWeighting(3);
        var parameters = weighting.parameters().ToList();
        Assert.Single(parameters);
        Assert.Equal([3L], parameters[0].shape);
        Assert.Equal([1f, 1f, 1f], weighting.Weights());
    }

    [Fact]
    public void A_task_with_a_larger_loss_learns_a_smaller_weight()
    {
        // Two fixed task losses, one 100 times the other: at the optimum exp(-s_i) = 1 / L_i.
        using var weighting = new UncertaintyWeighting(2);
        using var optimizer = optim.Adam(weighting.parameters(), 0.05);
        using var losses = tensor(new[] { 0.1f, 10f });
        for (int step = 0; step < 600; step++)
        {
            optimizer.zero_grad();
            using var total = weighting.forward(losses);
            total.backward();
            optimizer.step();
        }

        var weights = weighting.Weights();
        Assert.InRange(weights[0], 8f, 12f);
        Assert.InRange(weights[1], 0.08f, 0.12f);
    }
}
