using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace VideoMtl.Cli;

/// <summary>
/// One logger setup for every command: console logs on stderr (stdout carries only the command's own
/// output, e.g. JSON or the run summary), one line per entry as text or as JSON; debug level with --verbose.
/// </summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(bool verbose, LogLevel normalLevel = LogLevel.Warning, bool json = false) =>
        LoggerFactory.Create(builder =>
        {
            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            if (json)
            {
                builder.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                });
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                });
            }

            builder.SetMinimumLevel(verbose ? LogLevel.Debug : normalLevel);
        });
}
