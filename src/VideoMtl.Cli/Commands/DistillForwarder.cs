using System.Diagnostics;

namespace VideoMtl.Cli.Commands;

/// <summary>
/// <c>videomtl model distill</c> runs the training program (src/VideoMtl.Training) as a child process with the
/// same arguments: training needs TorchSharp and LibTorch (about 600 MB of native code), which the runtime's own
/// process should never load. The child shares this terminal; a Ctrl+C reaches both, and the child stops after
/// its current step with the last epoch saved, while this process waits for it.
/// </summary>
internal static class DistillForwarder
{
    public const string Description = "Train a shared-backbone model: adapters on the segmentation network's neck, distilled from the pose network (see models/README.md)";

    public static int Run(IReadOnlyList<string> arguments)
    {
        string tool = Locate();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(tool);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        ConsoleCancelEventHandler keepWaiting = (_, e) => e.Cancel = true;
        Console.CancelKeyPress += keepWaiting;
        try
        {
            using var child = Process.Start(start) ?? throw new UserError("could not start the training program (dotnet not found?)");
            child.WaitForExit();
            return child.ExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= keepWaiting;
        }
    }

    /// <summary>The installation's training program, built in the same configuration as this program if it is there, else in Release.</summary>
    private static string Locate()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        // This program runs from .../bin/<configuration>/<framework>/ (src/VideoMtl.Cli, or a test's copy).
        string framework = here.Name;
        foreach (string configuration in new[] { here.Parent?.Name ?? "Release", "Release" })
        {
            string tool = Path.Combine(RepositoryPaths.Root, "src", "VideoMtl.Training", "bin", configuration, framework, "VideoMtl.Training.dll");
            if (File.Exists(tool))
            {
                return tool;
            }
        }

        throw new UserError($"the training program is not built (src/VideoMtl.Training/bin/Release/{framework}): run ./setup.sh");
    }
}
