using System.CommandLine;
using VideoMtl.Cli.Commands;
using VideoMtl.Onnx;
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
        var root = new RootCommand("VideoMtl: real-time video analytics (detection, pose, segmentation) with one ONNX model");
        root.Options.Add(VerboseOption);
        root.Subcommands.Add(DoctorCommand.Create(output));
        root.Subcommands.Add(ModelCommand.Create(output));
        root.Subcommands.Add(InferCommand.Create(output));
        root.Subcommands.Add(RunCommand.Create(output));
        root.Subcommands.Add(BenchCommand.Create(output));

        var parse = root.Parse(args);
        bool verbose = parse.GetValue(VerboseOption);
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

    private static bool IsUserFacing(Exception e) =>
        e is UserError or OrtException or VisionException or ArgumentException or IOException or UnauthorizedAccessException or DllNotFoundException;
}
