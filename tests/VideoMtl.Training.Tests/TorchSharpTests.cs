using TorchSharp;
using static TorchSharp.torch;

namespace VideoMtl.Training.Tests;

/// <summary>TorchSharp works on this machine: the patched native library loads and a small network trains.</summary>
public sealed class TorchSharpTests
{
    [Fact]
    public void A_small_convolutional_network_trains_and_its_loss_falls()
    {
        manual_seed(1);
        using var network = nn.Sequential(nn.Conv2d(8, 16, 3, padding: 1), nn.ReLU(), nn.Conv2d(16, 4, 1));
        using var optimizer = optim.Adam(network.parameters(), 0.01);
        using var input = randn(2, 8, 20, 20);
        using var target = randn(2, 4, 20, 20);
        float first = 0, last = 0;
        for (int step = 0; step < 40; step++)
        {
            optimizer.zero_grad();
            using var loss = nn.functional.mse_loss(network.forward(input), target);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            first = step == 0 ? last : first;
        }

        Assert.True(last < 0.8f * first, $"loss went from {first} to {last}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights()
    {
        float[] Initial()
        {
            manual_seed(7);
            using var layer = nn.Conv2d(3, 4, 3);
            return layer.weight!.data<float>().ToArray();
        }

        Assert.Equal(Initial(), Initial());
    }
}
