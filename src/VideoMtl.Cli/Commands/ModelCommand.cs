using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VideoMtl.ModelTools;
using VideoMtl.ModelTools.Evaluation;
using VideoMtl.Vision;

namespace VideoMtl.Cli.Commands;

/// <summary><c>videomtl model build</c>: one multi-task model from segment + pose (+ detect) exports.</summary>
internal static class ModelCommand
{
    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary><c>model gate MODEL -o OUT</c>: task gates for a model built before them (README "Task sets per stream").</summary>
    private static Command CreateGate(TextWriter output)
    {
        var model = new Argument<string>("model") { Description = "A VideoMtl model without task gates (an older build, a distilled model)" };
        var outputPath = new Option<string>("--output", "-o") { Description = "Where to write the gated model", Required = true };
        var gate = new Command("gate", "Put the model's pose and mask parts behind task gates, so streams that do not ask for them skip them") { model, outputPath };
        gate.SetAction(parse =>
        {
            string source = parse.GetValue(model)!;
            string target = parse.GetValue(outputPath)!;
            IReadOnlyList<string> gates;
            try
            {
                gates = ModelGating.Write(source, target);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                throw new UserError(e.Message, e);
            }

            var c = CultureInfo.InvariantCulture;
            output.WriteLine(gates.Count == 0 ? $"wrote {target}: no gate added (it has them already, or no pose or mask part)" : $"wrote {target} with gates {string.Join(", ", gates)}");
            var cost = ModelComplexity.Cost(File.ReadAllBytes(target));
            output.WriteLine(string.Create(c, $"  {cost.Total:F1} GFLOPs per 640x640 image; behind gates: {string.Join(", ", cost.Gated.Select(g => $"{g.Key} {g.Value:F1}"))}"));
            return 0;
        });
        return gate;
    }

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
            output.WriteLine(string.Create(c, $"  {ModelComplexity.GigaFlops(File.ReadAllBytes(result.OutputPath)):F1} GFLOPs per 640x640 image (convolutions)"));
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

        // Listed for help only: CliApplication hands "model distill ..." to the training program before parsing.
        var distill = new Command("distill", DistillForwarder.Description) { TreatUnmatchedTokensAsErrors = false };
        return new Command("model", "Build, distill, gate and evaluate multi-task models") { build, distill, CreateGate(output), CreateEvaluate(output) };
    }

    /// <summary><c>videomtl model evaluate</c>: a model's poses against the teacher's, its boxes against the segmentation source's.</summary>
    private static Command CreateEvaluate(TextWriter output)
    {
        var teacher = new Option<string>("--teacher") { Description = "Pose export the keypoints are judged against (e.g. yolov8n-pose.onnx)", Required = true };
        var model = new Option<string>("--model") { Description = "Multi-task model to evaluate (default: models/yolov8n-mt.onnx)" };
        var segment = new Option<string?>("--segment") { Description = "Segmentation export: also compare the model's boxes with its boxes" };
        var heldOut = new Option<bool>("--held-out") { Description = "Videos: only their last 20% of frames (what model distill does not train on)" };
        var every = new Option<int>("--every") { Description = "Videos: every Nth frame (default: 1)", DefaultValueFactory = _ => 1 };
        var perImage = new Option<bool>("--per-image") { Description = "Print a line per image or frame" };
        var json = new Option<string?>("--json") { Description = "Also write every figure as JSON to FILE (- for stdout only)" };
        var files = new Argument<string[]>("FILES") { Description = "Images or videos", Arity = ArgumentArity.OneOrMore };
        var evaluate = new Command("evaluate", "Match the teacher's persons to the model's and score the keypoints (OKS, per-joint error)")
        {
            teacher, model, segment, heldOut, every, perImage, json, files,
        };
        evaluate.SetAction(parse =>
        {
            var request = new EvaluationRequest(
                parse.GetValue(teacher)!,
                RepositoryPaths.ResolveModel(parse.GetValue(model)),
                parse.GetValue(segment),
                parse.GetValue(files)!,
                parse.GetValue(heldOut),
                parse.GetValue(every));
            string? jsonPath = parse.GetValue(json);
            bool quiet = jsonPath == "-";
            var c = CultureInfo.InvariantCulture;
            EvaluationReport report;
            try
            {
                report = ModelEvaluator.Run(request, progress: parse.GetValue(perImage) && !quiet
                    ? s => output.WriteLine(string.Create(c, $"  {s.Image}: {s.Matched}/{s.TeacherPersons} persons matched, mean OKS {Format(s.MeanOks)}"))
                    : null);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or VisionException)
            {
                throw new UserError(e.Message, e);
            }

            if (jsonPath is not null)
            {
                string text = System.Text.Json.JsonSerializer.Serialize(report, JsonOptions);
                if (quiet)
                {
                    output.WriteLine(text);
                    return 0;
                }

                File.WriteAllText(jsonPath, text + "\n");
            }

            output.WriteLine(string.Create(c, $"{report.Images.Count} images/frames; teacher {request.Teacher}"));
            output.WriteLine(string.Create(c, $"  teacher persons (score >= {request.TeacherScore}): {report.TeacherPersons}; matched {report.Matched} ({report.MatchedShare:P1}); matched with OKS >= 0.5: {report.MatchedOks50Share:P1}; mean OKS {Format(report.MeanOks)}"));
            output.WriteLine("  mean error per joint (px): " + string.Join(", ", report.JointNames.Select((n, k) => string.Create(c, $"{n} {Format(report.JointMeanErrorPx[k], "0.0")}"))));
            if (request.Segment is not null)
            {
                output.WriteLine(string.Create(c, $"  boxes vs {request.Segment}: {report.SegmentObjects} objects (score >= 0.5), {report.SegmentMatchedShare:P1} matched, mean IoU {Format(report.MeanBoxIoU)}"));
            }

            return 0;
        });
        return evaluate;
    }

    private static string Format(double? value, string format = "0.000") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
