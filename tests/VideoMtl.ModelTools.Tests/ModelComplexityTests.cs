using VideoMtl.TestSupport;

namespace VideoMtl.ModelTools.Tests;

[Collection(BuiltModelCollection.Name)]
public sealed class ModelComplexityTests
{
    private readonly BuiltModelFixture _built;

    public ModelComplexityTests(BuiltModelFixture built)
    {
        _built = built;
    }

    [Fact]
    public void The_composite_costs_what_its_two_networks_cost_together()
    {
        // Ultralytics quotes YOLOv8n-seg at 12.6 and YOLOv8n-pose at 9.2 GFLOPs (640²); counting convolutions only
        // gives a little less (no activations, additions or upsampling).
        double segment = ModelComplexity.GigaFlops(NeckFeatures.Expose(TestData.SegmentationModel, out _));
        double pose = ModelComplexity.GigaFlops(NeckFeatures.Expose(TestData.PoseModel, out _));
        double composite = ModelComplexity.GigaFlops(File.ReadAllBytes(_built.Path));
        Assert.InRange(segment, 11, 12.7);
        Assert.InRange(pose, 8, 9.3);
        Assert.Equal(segment + pose, composite, 1);
    }
}
