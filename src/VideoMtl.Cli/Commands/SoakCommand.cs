using System.CommandLine;
using System.Globalization;
using VideoMtl.Cli.Soak;

namespace VideoMtl.Cli.Commands;

/// <summary>
/// <c>videomtl soak</c>: N live streams for a set time, sampled at an interval (frames in/out/dropped,
/// latency p50/p99, RSS), with verdicts on memory plateau and latency drift. A load test, not a unit test.
/// </summary>
internal static class SoakCommand
{
    public static Command Create(TextWriter output)
    {
        var streams = new Option<int>("--streams") { Description = "Live feeds served on 127.0.0.1 by ffmpeg (HTTP MJPEG)", DefaultValueFactory = _ => 8 };
        var video = new Option<string?>("--video") { Description = "Video each feed loops (default: vtest.avi from ../shared/media)" };
        var urls = new Option<string[]>("--url") { Description = "Use these live feeds (rtsp://, http://, ...) instead of serving our own (repeatable)" };
        var duration = new Option<string>("--duration") { Description = "How long to run: 90s, 10m, 1h", DefaultValueFactory = _ => "10m" };
        var interval = new Option<string>("--interval") { Description = "Sampling interval: 10s, 30s, 1m", DefaultValueFactory = _ => "30s" };
        var model = new Option<string?>("--model") { Description = "Multi-task model (default: models/yolov8n-mt.onnx)" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per CPU this process may use, as run)" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Frames per inference call, across streams", DefaultValueFactory = _ => 4 };
        var withVideo = new Option<bool>("--video-output") { Description = "Also write each stream's annotated mp4 (off: NDJSON only)" };
        var json = new Option<string?>("--json") { Description = "Write every sample and the verdicts as JSON to this file" };
        var command = new Command("soak", "Load test: live streams for a set time; per-interval frames, latency p50/p99 and memory, with plateau and drift verdicts")
        {
            streams, video, urls, duration, interval, model, threads, maxBatch, withVideo, json,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            // Ctrl+C / SIGTERM end the soak early with a report, and the ffmpeg feeds are always stopped.
            using var stop = new StopSignal(cancellation);
            bool verbose = parse.GetValue(CliApplication.VerboseOption);
            using var loggerFactory = CliLogging.Create(verbose);
            string[] given = parse.GetValue(urls) ?? [];
            int count = given.Length > 0 ? given.Length : parse.GetValue(streams);
            if (count is < 1 or > 64)
            {
                throw new UserError($"--streams {count} is out of range: use 1..64");
            }

            string file = parse.GetValue(video) ?? Path.Combine(RepositoryPaths.SharedMedia, "vtest.avi");
            if (given.Length == 0 && !File.Exists(file))
            {
                throw new UserError($"--video {file}: file not found; give a video for the feeds to loop");
            }

            var runFor = ParseDuration(parse.GetValue(duration)!, "--duration");
            var every = ParseDuration(parse.GetValue(interval)!, "--interval");
            if (every > runFor)
            {
                throw new UserError($"--interval {parse.GetValue(interval)} is longer than --duration {parse.GetValue(duration)}: sample at least once");
            }

            int batch = parse.GetValue(maxBatch);
            if (batch is < 1 or > 64)
            {
                throw new UserError($"--max-batch {batch} is out of range: use 1..64");
            }

            var options = new SoakOptions(given, file, count, RepositoryPaths.ResolveModel(parse.GetValue(model)), runFor, every, parse.GetValue(threads), batch, parse.GetValue(withVideo));
            var report = await new SoakRunner(options, loggerFactory, Console.Error).RunAsync(stop.Token).ConfigureAwait(false);
            SoakReportWriter.WriteText(report, output);
            if (parse.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, SoakReportWriter.ToJson(report) + "\n", CancellationToken.None).ConfigureAwait(false);
                output.WriteLine($"samples written to {path}");
            }

            return report.MemoryPlateaus == false || report.LatencyStable == false || report.LiveGoalsMet == false ? 3 : 0;
        });
        return command;
    }

    /// <summary>"90s", "10m", "1h" or plain seconds.</summary>
    internal static TimeSpan ParseDuration(string text, string option)
    {
        string t = text.Trim().ToLowerInvariant();
        double scale = t.EndsWith('h') ? 3600 : t.EndsWith('m') ? 60 : 1;
        string number = t.TrimEnd('h', 'm', 's');
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 && value * scale <= 7 * 24 * 3600
            ? TimeSpan.FromSeconds(value * scale)
            : throw new UserError($"{option} '{text}' is not a duration: use e.g. 90s, 10m or 1h");
    }
}
