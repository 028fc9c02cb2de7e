using Microsoft.ML.OnnxRuntime;
using VideoMtl.ModelTools;
using VideoMtl.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoMtl.Training.Tests;

/// <summary>What training computes on 5×5 windows is what the exported model computes on the whole map.</summary>
public sealed class KeypointBranchLevelTests
{
    private static readonly string Seg = TestData.SegmentationModel;
    private static readonly string Pose = TestData.PoseModel;

    [Fact]
    public void Its_parameters_are_registered_and_it_starts_as_the_teachers_branch()
    {
        var teacher = KeypointBranch.Extract(Pose);
        using var level = new KeypointBranchLevel(teacher[0]);
        Assert.Equal(7, level.parameters().Count()); // adapter weight; three convolutions' weights and biases
        var exported = level.Export(); // an identity adapter folds away
        Assert.Equal(teacher[0][0].Weight, exported[0].Weight);
        Assert.Equal(teacher[0][2].Bias, exported[2].Bias);
    }

    [Fact]
    public void On_windows_it_computes_what_the_exported_model_computes_on_the_whole_map_borders_included()
    {
        manual_seed(5);
        var levels = KeypointBranch.Extract(Pose).Select(t => new KeypointBranchLevel(t)).ToArray();
        foreach (var level in levels)
        {
            // A non-trivial adapter, so the folding into the first convolution is exercised.
            using var one = 1f.ToScalar(); // explicit Scalars only (see ExplicitScalarAdam)
            using var small = 0.05f.ToScalar();
            using var noise = randn(level.Channels, level.Channels).mul_(small);
            using var map = eye(level.Channels).add(noise, one);
            level.StartAdapter(map);
        }

        byte[] model = SharedModelComposer.Compose(Seg, new Dictionary<string, string> { ["output0"] = "seg_boxes" }, "output0", "pose", [.. levels.Select(l => l.Export())]);
        float[] input = Images.ModelInput(TestData.BusJpg);
        float[] pose = Run(model, input, "pose")[0];
        float[][] neck = Run(NeckFeatures.Expose(Seg, out _), input, NeckFeatures.OutputNames.ToArray());

        const int anchors = 8400;
        int first = 0;
        for (int l = 0; l < 3; l++)
        {
            int channels = 64 << l, side = AnchorSet.Layout.Level(l).Columns; // YOLOv8n's P3..P5 widths
            (int X, int Y)[] cells = [(0, 0), (side - 1, side - 1), (side - 1, 0), (0, side / 2), (side / 2, side / 3), (1, 1)];
            foreach (var (x, y) in cells)
            {
                int anchor = first + (y * side) + x;
                Assert.Equal((l, x, y), AnchorSet.Layout.Locate(anchor));
                using var window = tensor(AnchorSet.Window(neck[l], channels, side, x, y), [1, channels, 5, 5]);
                using var inside = tensor(AnchorSet.Inside(side, x, y), [1, 1, 3, 3]);
                using var raw = levels[l].forward(window, inside);
                float[] values = raw.data<float>().ToArray();
                int stride = 8 << l;
                for (int k = 0; k < 17; k++)
                {
                    float px = ((values[3 * k] * 2) + x) * stride;
                    float py = ((values[(3 * k) + 1] * 2) + y) * stride;
                    float visibility = 1 / (1 + MathF.Exp(-values[(3 * k) + 2]));
                    Assert.Equal(pose[((5 + (3 * k)) * anchors) + anchor], px, 0.05f);
                    Assert.Equal(pose[((6 + (3 * k)) * anchors) + anchor], py, 0.05f);
                    Assert.Equal(pose[((7 + (3 * k)) * anchors) + anchor], visibility, 1e-3f);
                }
            }

            first += side * side;
        }

        foreach (var level in levels)
        {
            level.Dispose();
        }
    }

    private static float[][] Run(byte[] model, float[] input, params string[] names)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 640, 640]);
        using var inputs = new GateInputs(session, value);
        using var outputs = session.Run(new RunOptions(), session.InputNames, inputs.Values, names);
        return [.. outputs.Select(o => o.GetTensorDataAsSpan<float>().ToArray())];
    }
}
