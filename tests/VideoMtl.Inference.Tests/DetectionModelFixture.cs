using OpenCvSharp;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Inference.Tests;

/// <summary>One session over the shared yolov8n detection model and bus.jpg letterboxed into a tensor.</summary>
public sealed class DetectionModelFixture : IDisposable
{
    public DetectionModelFixture()
    {
        Session = ModelSession.Create(TestData.DetectionModel, new InferenceSessionOptions { IntraOpThreads = 2 });
        var transform = new LetterboxTransform(640, 640);
        Input = new float[transform.TensorLength];
        using var image = ImageFile.Read(TestData.BusJpg);
        Geometry = transform.Apply(image, Input);
    }

    public ModelSession Session { get; }

    public float[] Input { get; }

    public LetterboxGeometry Geometry { get; }

    public void Dispose() => Session.Dispose();
}
