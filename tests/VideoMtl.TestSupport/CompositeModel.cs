using VideoMtl.ModelTools;

namespace VideoMtl.TestSupport;

/// <summary>The default multi-task model, built from the shared Ultralytics exports as setup builds it.</summary>
public static class CompositeModel
{
    /// <param name="verifyOnBusImage">Also run the builder's output checks on bus.jpg (a few seconds more).</param>
    public static ModelBuildResult Build(string path, bool verifyOnBusImage = true) =>
        new MultiTaskModelBuilder().Build(new ModelBuildRequest(
            TestData.SegmentationModel, TestData.PoseModel, null, path, verifyOnBusImage ? [TestData.BusJpg] : []));
}
