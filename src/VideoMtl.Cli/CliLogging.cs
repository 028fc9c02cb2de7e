using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace VideoMtl.Cli;

/// <summary>
/// One logger setup for every command: single-line console logs on stderr (stdout carries only the
/// command's own output, e.g. JSON), debug level with --verbose.
/// </summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(bool verbose, LogLevel normalLevel = LogLevel.Warning) =>
        LoggerFactory.Create(builder => builder
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            })
            .SetMinimumLevel(verbose ? LogLevel.Debug : normalLevel));
}
