using System.Globalization;
using Spectre.Console;
using VideoMtl.Pipeline;

namespace VideoMtl.Cli;

/// <summary>
/// A progress bar per stream on stderr (stdout keeps only the summary), with frames/s and the time left,
/// polled from the streams' counters four times a second: the pipeline itself never waits for the display.
/// </summary>
internal static class RunProgress
{
    public static async Task ShowAsync(PipelineRunner runner, Task run)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = runner.Streams.Select(s => (Stream: s, Task: context.AddTask(Markup.Escape(s.Name), autoStart: true, maxValue: 1))).ToList();
                while (true)
                {
                    foreach (var (stream, task) in tasks)
                    {
                        task.MaxValue = Math.Max(1, stream.FrameCount ?? stream.Captured);
                        task.Value = Math.Min(task.MaxValue, stream.Processed);
                        task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{stream.Name} {stream.Processed}/{stream.FrameCount?.ToString(CultureInfo.InvariantCulture) ?? "?"} {stream.ProcessedFps:0.0} fps"));
                        if (stream.Completed && stream.Processed >= stream.Captured)
                        {
                            task.Value = task.MaxValue;
                            task.StopTask();
                        }
                    }

                    if (run.IsCompleted)
                    {
                        break;
                    }

                    await Task.WhenAny(run, Task.Delay(250)).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
    }
}
