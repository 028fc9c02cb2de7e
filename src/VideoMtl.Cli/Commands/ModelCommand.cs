using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoMtl.ModelTools;

namespace VideoMtl.Cli.Commands;

/// <summary><c>videomtl model build</c>: one multi-task model from segment + pose (+ detect) exports.</summary>
internal static class ModelCommand
{
    public static Command Create(TextWriter output)
    {
        var segment = new Option<string>("--segment") { Description = "Segmentation export (e.g. yolov8n-seg.onnx)", Required = true };
        var pose = new Option<string>("--pose") { Description = "Pose export (e.g. yolov8n-pose.onnx)", Required = true };
        var detect = new Option<string?>("--detect") { Description = "Optional detection export, added as a third head" };
        var outputPath = new Option<string>("--output", "-o") { Description = "Where to write the multi-task model", Required = true };
        var verifyImages = new Option<string[]>("--verify-image")
        {
            Description = "Image(s) to verify the result on (default: a synthetic pattern)",
            AllowMultipleArgumentsPerToken = true,
        };

        var fp16 = new Option<bool>("--fp16") { Description = "Store weights and activations as float16 (for GPU providers); inputs and outputs stay float32" };
        var build = new Command("build", "Dequantize, make the batch symbolic, compose the heads, write metadata, verify")
        {
            segment, pose, detect, outputPath, verifyImages, fp16,
        };
        build.SetAction(parse =>
        {
            using var loggerFactory = CliLogging.Create(parse.GetValue(CliApplication.VerboseOption));
            var request = new ModelBuildRequest(
                parse.GetValue(segment)!,
                parse.GetValue(pose)!,
                parse.GetValue(detect),
                parse.GetValue(outputPath)!,
                parse.GetValue(verifyImages) ?? [],
                parse.GetValue(fp16));
            foreach (string image in request.VerifyImages.Where(i => !File.Exists(i)))
            {
                throw new UserError($"--verify-image {image}: file not found");
            }

            ModelBuildResult result;
            try
            {
                result = new MultiTaskModelBuilder(loggerFactory.CreateLogger("model")).Build(request);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                throw new UserError(e.Message, e);
            }

            var c = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(c, $"wrote {result.OutputPath} ({result.OutputBytes / 1024.0 / 1024.0:F1} MiB)"));
            output.WriteLine(string.Create(c, $"  tasks: {string.Join(", ", result.Tasks)}; outputs: {string.Join(", ", result.Outputs)}"));
            output.WriteLine(string.Create(c, $"  {result.ConvIntegerRewritten} ConvInteger nodes dequantized to Conv, {result.NodesRemoved} dead nodes removed, {result.ReshapesRewritten} reshapes made batch-agnostic"));
            output.WriteLine("  verification (max abs difference):");
            bool half = result.Verification.Any(v => v.MaxDiffFloat16 is not null);
            output.WriteLine("    output        vs float head   vs quantized source   batch-4 vs single" + (half ? "   float16 vs float32" : string.Empty));
            foreach (var v in result.Verification)
            {
                string halfColumn = v.MaxDiffFloat16 is { } d ? string.Create(c, $"   {d,18:G3}") : string.Empty;
                output.WriteLine(string.Create(c, $"    {v.Output,-12}  {v.MaxDiffToFloatHead,13:G3}   {v.MaxDiffToSource,19:G3}   {v.MaxDiffBatchVsSingle,17:G3}{halfColumn}"));
            }

            return 0;
        });

        return new Command("model", "Build and inspect multi-task models") { build };
    }
}
