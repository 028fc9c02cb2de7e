using System.CommandLine;
using System.Globalization;
using VideoMtl.Training;

// `videomtl model distill ...` runs this program (the CLI forwards everything after "model distill"), so the
// runtime's own process never loads TorchSharp or LibTorch.
var segment = new Option<string>("--segment") { Description = "Segmentation export: the frozen trunk (e.g. yolov8n-seg.onnx)", Required = true };
var pose = new Option<string>("--pose") { Description = "Pose export: the teacher, whose keypoint branch the student starts from (e.g. yolov8n-pose.onnx)", Required = true };
var output = new Option<string>("--output", "-o") { Description = "Where to write the shared model", Required = true };
var data = new Option<string[]>("--data")
{
    Description = "Videos (their first 80%), images or folders of images to learn from (default: the shared media, vtest.avi and walking.mp4)",
    AllowMultipleArgumentsPerToken = true,
};
var epochs = new Option<int>("--epochs") { Description = "Passes over the data (default: 8)", DefaultValueFactory = _ => 8 };
var batch = new Option<int>("--batch") { Description = "Anchors per step (default: 256)", DefaultValueFactory = _ => 256 };
var learningRate = new Option<double>("--lr") { Description = "Adam learning rate (default: 0.0003)", DefaultValueFactory = _ => 3e-4 };
var seed = new Option<int>("--seed") { Description = "Random seed: the same seed and data give the same model (default: 1)", DefaultValueFactory = _ => 1 };
var every = new Option<int>("--every") { Description = "Take every Nth frame of a video (default: 3)", DefaultValueFactory = _ => 3 };
var noMirror = new Option<bool>("--no-mirror") { Description = "Do not add each frame's mirror image" };
var views = new Option<int>("--views") { Description = "Random views of each frame (zoom, shift, colour, mirror) beside it and its mirror image (default: 1)", DefaultValueFactory = _ => 1 };
var anchors = new Option<int>("--anchors") { Description = "Anchors trained per person: the segmentation head's best on it (default: 8)", DefaultValueFactory = _ => 8 };
var maxFrames = new Option<int?>("--max-frames") { Description = "At most this many frames from each source" };
var checkpoint = new Option<string?>("--checkpoint") { Description = "Save the branch here after every epoch and resume from it (default: OUTPUT.checkpoint)" };
var verbose = new Option<bool>("--verbose", "-v") { Description = "Stack traces on failure" };
var root = new RootCommand("videomtl model distill: one backbone for segmentation and pose, by distilling the pose network's keypoints into a branch on the segmentation network's neck")
{
    segment, pose, output, data, epochs, batch, learningRate, seed, every, noMirror, views, anchors, maxFrames, checkpoint, verbose,
};
root.SetAction(parse =>
{
    string[] sources = parse.GetValue(data) is { Length: > 0 } given ? given : DefaultData();
    string outputPath = parse.GetValue(output)!;
    var request = new DistillRequest(
        parse.GetValue(segment)!, parse.GetValue(pose)!, sources, outputPath, parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(learningRate),
        parse.GetValue(seed), parse.GetValue(every), !parse.GetValue(noMirror), parse.GetValue(maxFrames), parse.GetValue(checkpoint) ?? outputPath + ".checkpoint",
        parse.GetValue(views), parse.GetValue(anchors));
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true; // stop after the current step; the last finished epoch is in the checkpoint
        stop.Cancel();
    };
    var bar = new ProgressBar(Console.Error, interactive: !Console.IsErrorRedirected);
    var result = Distiller.Run(request, line => bar.Line($"distill: {line}"), bar.Report, stop.Token);
    var c = CultureInfo.InvariantCulture;
    string trained = result.Epochs.Count > 0 ? $"epochs {result.ResumedAtEpoch + 1}..{request.Epochs}" : $"all {request.Epochs} epochs were in the checkpoint";
    Console.WriteLine(string.Create(c, $"wrote {result.OutputPath} ({result.OutputBytes / 1024.0 / 1024.0:F1} MiB): {result.Samples} anchors from {result.Views} views, {trained}"));
    Console.WriteLine(string.Create(c, $"  {VideoMtl.ModelTools.ModelComplexity.GigaFlops(File.ReadAllBytes(result.OutputPath)):F1} GFLOPs per 640x640 image (convolutions)"));
    if (result.Epochs.Count > 0)
    {
        var last = result.Epochs[^1];
        Console.WriteLine(string.Create(c, $"  last epoch: OKS {last.Oks:0.000} against the teacher on the training anchors; examples {result.Extraction.TotalMinutes:0.0} min, training {result.Training.TotalMinutes:0.0} min"));
    }

    Console.WriteLine($"  judge it: videomtl model evaluate --teacher {request.Pose} --model {result.OutputPath} --held-out {string.Join(' ', sources)}");
    return 0;
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help"))
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message.TrimEnd('.')}; see 'videomtl model distill --help'");
    return 2;
}

try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("distill: stopped; run the same command again to resume from the last finished epoch");
    return 130;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or DllNotFoundException or TypeInitializationException)
{
    Console.Error.WriteLine($"error: {(e is TypeInitializationException { InnerException: { } inner } ? inner.Message : e.Message)}");
    if (parsed.GetValue(verbose))
    {
        Console.Error.WriteLine(e);
    }

    return 1;
}

// The shared media beside the checkout (or VIDEOMTL_SHARED_DIR), as setup finds it.
static string[] DefaultData()
{
    string? shared = Environment.GetEnvironmentVariable("VIDEOMTL_SHARED_DIR");
    string home = Environment.GetEnvironmentVariable("VIDEOMTL_HOME") ?? Directory.GetCurrentDirectory();
    string media = Path.Combine(string.IsNullOrEmpty(shared) ? Path.Combine(home, "..", "shared") : shared, "media");
    string[] files = [Path.Combine(media, "vtest.avi"), Path.Combine(media, "walking.mp4")];
    return files.All(File.Exists)
        ? files
        : throw new ArgumentException($"no --data given and the shared media is not at {Path.GetFullPath(media)}: give --data VIDEO|IMAGE|FOLDER");
}
