using System.CommandLine;
using VideoMtl.Cli.Commands;
using VideoMtl.Inference;
using VideoMtl.Vision;

namespace VideoMtl.Cli;

/// <summary>
/// Builds the command tree and turns every expected failure into one line on stderr with a non-zero
/// exit code; the stack trace is shown only with --verbose.
/// </summary>
internal static class CliApplication
{
    public static readonly Option<bool> VerboseOption = new("--verbose", "-v")
    {
        Description = "Show debug logs and stack traces",
        Recursive = true,
    };

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args is ["model", "distill", .. var training])
        {
            // Training runs in its own process (TorchSharp stays out of this one); it parses its own options.
            try
            {
                return DistillForwarder.Run(training);
            }
            catch (UserError e)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        }

        var root = new RootCommand("VideoMtl: real-time video analytics (detection, pose, segmentation) with one ONNX model");
        root.Options.Add(VerboseOption);
        root.Subcommands.Add(DoctorCommand.Create(output));
        root.Subcommands.Add(ModelCommand.Create(output));
        root.Subcommands.Add(InferCommand.Create(output));
        root.Subcommands.Add(RunCommand.Create(output));
        root.Subcommands.Add(BenchCommand.Create(output));
        root.Subcommands.Add(SoakCommand.Create(output));
        root.Subcommands.Add(ResultsCommand.Create(output));

        var parse = root.Parse(args);
        bool verbose = parse.GetValue(VerboseOption);
        if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            // One line naming the bad input and where to look, instead of the full help on stdout.
            string command = parse.CommandResult.Command == root ? "videomtl" : $"videomtl {parse.CommandResult.Command.Name}";
            var first = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            error.WriteLine($"error: {Describe(first.Message, parse.CommandResult.Command.Name == "run")}; see '{command} --help'");
            return 2;
        }

        QuietOpenCv();
        try
        {
            // ProcessTerminationTimeout = null: System.CommandLine would otherwise answer SIGTERM by exiting at
            // once; `run` handles SIGINT/SIGTERM itself to drain, flush and finalize before it exits.
            return parse.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e) when (IsUserFacing(e) && !verbose)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            error.WriteLine($"error: {e.Message}");
            error.WriteLine(e.ToString());
            return 1;
        }
    }

    /// <summary>System.CommandLine's parse messages, reworded to say what was wrong in a user's terms.</summary>
    private static string Describe(string message, bool takesSources)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[\w.]+)'");
        if (match.Success)
        {
            string expected = match.Groups["type"].Value switch
            {
                "System.Int32" or "System.Int64" => "a whole number",
                "System.Single" or "System.Double" => "a number (e.g. 0.5)",
                "System.Boolean" => "true or false",
                var other => other,
            };
            return $"{match.Groups["option"].Value} '{match.Groups["value"].Value}' is not {expected}";
        }

        match = System.Text.RegularExpressions.Regex.Match(message, @"^Unrecognized command or argument '(?<token>.*)'");
        return match.Success
            ? $"unknown option or argument '{match.Groups["token"].Value}'{(takesSources ? " (each --source takes one value: repeat --source for more)" : string.Empty)}"
            : message.TrimEnd('.');
    }

    private static bool IsUserFacing(Exception e) =>
        e is UserError or Pipeline.PipelineFaultException or InferenceException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or VisionException or ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or DllNotFoundException;

    /// <summary>
    /// OpenCV logs warnings (an unreadable image, a codec fallback) straight to stderr; VideoMtl reports each
    /// failure itself in one clear line, so OpenCV stays quiet unless the user asks for its logs with
    /// OPENCV_LOG_LEVEL. Process-wide, so it is set here, by the program, and never by the libraries.
    /// </summary>
    private static void QuietOpenCv()
    {
        if (Environment.GetEnvironmentVariable("OPENCV_LOG_LEVEL") is null)
        {
            OpenCvSharp.Cv2.SetLogLevel(OpenCvSharp.LogLevel.SILENT);
        }
    }
}
