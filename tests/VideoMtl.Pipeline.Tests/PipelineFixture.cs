using OpenCvSharp;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline.Tests;

/// <summary>A freshly built model and two short clips cut from vtest.avi, shared by the pipeline tests.</summary>
public sealed class PipelineFixture : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public PipelineFixture()
    {
        ModelPath = _directory.File("mt.onnx");
        CompositeModel.Build(ModelPath, verifyOnBusImage: false);
        ClipA = Cut(0, 24, "clip-a.mp4");
        ClipB = Cut(400, 16, "clip-b.mp4");
    }

    public string ModelPath { get; }

    public string ClipA { get; }

    public string ClipB { get; }

    public void Dispose() => _directory.Dispose();

    private string Cut(int start, int count, string name)
    {
        string path = _directory.File(name);
        using var capture = VideoFileReader.Open(TestData.VtestAvi);
        using var frame = new Mat();
        using var writer = Media.FfmpegVideoWriter.Open(path, 768, 576, 10);
        for (int i = 0; i < start + count && capture.Read(frame, out _); i++)
        {
            if (i >= start)
            {
                writer.Write(frame);
            }
        }

        return path;
    }
}
