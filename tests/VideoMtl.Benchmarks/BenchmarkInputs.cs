using OpenCvSharp;
using Microsoft.ML.OnnxRuntime;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Inference;
using VideoMtl.TestSupport;
using VideoMtl.Vision;

namespace VideoMtl.Benchmarks;

/// <summary>
/// Real inputs for the micro-benchmarks: the first frame of vtest.avi, the installed multi-task model's
/// outputs for it (run once), and the objects decoded from them. Benchmarks time only the host work.
/// </summary>
internal sealed class BenchmarkInputs : IDisposable
{
    public BenchmarkInputs()
    {
        string modelPath = Environment.GetEnvironmentVariable("VIDEOMTL_MODEL") ?? Path.Combine(TestData.RepositoryRoot, "models", "yolov8n-mt.onnx");
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"model not found: {modelPath}; run ./setup.sh or set VIDEOMTL_MODEL");
        }

        Model = MultiTaskModel.Load(modelPath, new InferenceSessionOptions { LogLevel = OrtLogLevel.Error });
        Frame = new Mat();
        using (var capture = VideoFileReader.Open(TestData.VtestAvi))
        {
            capture.Read(Frame, out _);
        }

        Tensor = new float[Model.Letterbox.TensorLength];
        Geometry = Model.Letterbox.Apply(Frame, Tensor);
        using var input = OrtValue.CreateTensorValueFromMemory(Tensor, [1, 3, Model.Description.InputHeight, Model.Description.InputWidth]);
        Outputs = Model.Session.Run([input]);
        Decoder = Model.CreateDecoder();
        Detections = new Detections(Model.Description.Keypoints);
        Model.Decode(Decoder, Outputs, 0, 1, Geometry, Detections);
    }

    public MultiTaskModel Model { get; }

    public Mat Frame { get; }

    public float[] Tensor { get; }

    public LetterboxGeometry Geometry { get; }

    public IDisposableReadOnlyCollection<OrtValue> Outputs { get; }

    public MultiTaskDecoder Decoder { get; }

    public Detections Detections { get; }

    public ReadOnlySpan<float> Boxes => Outputs[Model.ObjectsOutput].GetTensorDataAsSpan<float>();

    public ReadOnlySpan<float> Prototypes => Outputs[Model.ProtosOutput].GetTensorDataAsSpan<float>();

    public void Dispose()
    {
        foreach (var output in Outputs)
        {
            output.Dispose();
        }

        Frame.Dispose();
        Model.Dispose();
    }
}
