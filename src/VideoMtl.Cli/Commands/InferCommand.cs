using OpenCvSharp;
using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VideoMtl.Core.Annotation;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Model;
using VideoMtl.Core.Results;
using VideoMtl.Inference;
using VideoMtl.Vision;

namespace VideoMtl.Cli.Commands;

/// <summary><c>videomtl infer IMAGE...</c>: the model on still images; one result JSON line per image, annotated PNGs.</summary>
internal static class InferCommand
{
    public static Command Create(TextWriter output)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, ...)", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string?>("--out") { Description = "Folder for annotated PNGs (one per image)" };
        var model = new Option<string?>("--model") { Description = "Multi-task model (default: models/yolov8n-mt.onnx)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda[:N] or tensorrt[:N]; a trailing ! forbids falling back to CPU", DefaultValueFactory = _ => "cpu" };
        var conf = new Option<float>("--conf") { Description = "Confidence threshold", DefaultValueFactory = _ => 0.25f };
        var iou = new Option<float>("--iou") { Description = "NMS IoU threshold", DefaultValueFactory = _ => 0.7f };
        var command = new Command("infer", "Detect, segment and estimate poses on images; print result JSON, write annotated PNGs")
        {
            images, outDir, model, device, conf, iou,
        };
        command.SetAction(parse =>
        {
            using var loggerFactory = CliLogging.Create(parse.GetValue(CliApplication.VerboseOption));
            var logger = loggerFactory.CreateLogger("infer");
            string modelPath = RepositoryPaths.ResolveModel(parse.GetValue(model));

            ExecutionProviderOptions provider;
            try
            {
                provider = ExecutionProviderOptions.Parse(parse.GetValue(device)!);
            }
            catch (ArgumentException e)
            {
                throw new UserError($"--device: {e.Message}");
            }

            var decoderOptions = new DecoderOptions { Confidence = parse.GetValue(conf), IoU = parse.GetValue(iou) };
            try
            {
                decoderOptions.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UserError($"--{(e.ParamName == "IoU" ? "iou" : "conf")} {e.ActualValue}: {e.Message.Split(" (Parameter", 2)[0]}");
            }

            string? folder = parse.GetValue(outDir);
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }

            using var mt = LoadModel(modelPath, provider, logger);
            var decoder = mt.CreateDecoder(decoderOptions);
            var writer = new FrameResultWriter(mt.Description);
            var annotators = AnnotatorChain.Default();
            var detections = new Detections(Math.Max(1, mt.Description.Keypoints));
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            foreach (string path in parse.GetValue(images)!)
            {
                using var image = ImageFile.Read(path);
                var timing = mt.Infer([image], [detections], decoder);
                buffer.Clear();
                using (var json = new Utf8JsonWriter(buffer))
                {
                    writer.Write(json, Path.GetFileNameWithoutExtension(path), 0, 0, image.Width, image.Height, detections, j =>
                    {
                        j.WriteStartObject("timing_ms");
                        j.WriteNumber("preprocess", Math.Round(timing.PreprocessMs, 2));
                        j.WriteNumber("inference", Math.Round(timing.InferenceMs, 2));
                        j.WriteNumber("postprocess", Math.Round(timing.PostprocessMs, 2));
                        j.WriteEndObject();
                    });
                }

                output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));

                if (folder is not null)
                {
                    annotators.Annotate(image, detections, mt.Description);
                    string png = Path.Combine(folder, Path.GetFileNameWithoutExtension(path) + ".png");
                    ImageFile.Write(image, png);
                    logger.LogInformation("wrote {Png}", png);
                }
            }

            return 0;
        });
        return command;
    }

    private static MultiTaskModel LoadModel(string path, ExecutionProviderOptions provider, ILogger logger)
    {
        try
        {
            return MultiTaskModel.Load(path, new InferenceSessionOptions { Provider = provider, LogLevel = OrtLogLevel.Error }, logger);
        }
        catch (InvalidDataException e)
        {
            throw new UserError(e.Message, e);
        }
    }
}
