using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace VideoMtl.Cli.Bench;

/// <summary>The bench report as tables (for people) and as JSON (for tools and the README).</summary>
internal static class BenchReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static string ToJson(BenchReport report) => JsonSerializer.Serialize(report, Json);

    public static void WriteTables(BenchReport report, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        var s = report.Setup;
        console.WriteLine(Invariant($"{s.Source} ({s.Width}x{s.Height}), {s.Model}, {s.Frames} frames per run, {s.Threads} ORT threads, max batch {s.MaxBatch}, device {s.Device}, {s.Cores} cores, .NET {s.Runtime}, ONNX Runtime {s.OnnxRuntime}, OpenCV {s.OpenCv}"));

        var throughput = new Table().Border(TableBorder.Markdown).AddColumn("measurement").AddColumn(new TableColumn("frames/s").RightAligned()).AddColumn(new TableColumn("vs ceiling").RightAligned()).AddColumn("notes");
        throughput.AddRow($"inference ceiling (bare Run, batch {s.MaxBatch})", F(report.CeilingFps), "1.00", "same model, threads, batch");
        if (report.CeilingFpsBatch1 is { } c1)
        {
            throughput.AddRow("inference ceiling (bare Run, batch 1)", F(c1), F(c1 / report.CeilingFps), string.Empty);
        }

        throughput.AddRow("bare Run at ONNX Runtime defaults (batch 1)", F(report.OrtDefaultsFps), F(report.OrtDefaultsFps / report.CeilingFps), "what a runner that sets nothing gets (threads spin)");
        throughput.AddRow("decode only", F(report.DecodeFps), F(report.DecodeFps / report.CeilingFps), "OpenCV read of the same file");
        throughput.AddRow("decode only, ffmpeg child process", F(report.DecodeFpsFfmpeg), F(report.DecodeFpsFfmpeg / report.CeilingFps), "BMP frames over a pipe, as network sources are read");
        foreach (var p in new[] { report.SinksOn, report.SinksOff })
        {
            throughput.AddRow($"pipeline, sinks: {p.Sinks}", F(p.SteadyFps), F(p.SteadyFps / report.CeilingFps), Invariant($"steady state; whole run {p.Fps:0.00} fps, mean batch {p.MeanBatch:0.00}"));
        }

        throughput.AddRow("best bare Run loop of the thread sweep (batch 1)", F(report.Sweep.Best.Fps), F(report.Sweep.Best.Fps / report.CeilingFps), Invariant($"{report.Sweep.Best.Threads} threads, spinning {OnOff(report.Sweep.Best.Spinning)}"));
        console.Write(throughput);
        console.WriteLine();

        var sweep = new Table().Border(TableBorder.Markdown).AddColumn("thread sweep (bare Run, batch 1)").AddColumn(new TableColumn("spinning on").RightAligned()).AddColumn(new TableColumn("spinning off").RightAligned());
        foreach (var row in report.Sweep.Points.GroupBy(p => p.Threads))
        {
            sweep.AddRow(Invariant($"{row.Key} intra-op thread{(row.Key == 1 ? "" : "s")}"), Fps(row, spinning: true), Fps(row, spinning: false));
        }

        console.Write(sweep);
        console.WriteLine(Invariant($"run's settings ({report.Sweep.RunSettings.Threads} threads, spinning {OnOff(report.Sweep.RunSettings.Spinning)}): {report.Sweep.RunSettings.Fps:0.00} frames/s, {report.Sweep.RunSettingsRatio:0.00} of the best; pipeline (all sinks) / best bare loop measured ({report.BestBareFps:0.00} frames/s): {report.RatioSinksOnVsBest:0.00}"));
        if (report.Sweep.Hint is { } hint)
        {
            console.WriteLine($"hint: {hint}");
        }

        console.WriteLine();

        var h = report.HostAlone;
        var host = new Table().Border(TableBorder.Markdown).AddColumn("host work, alone (ms per frame)").AddColumn(new TableColumn("preprocess").RightAligned()).AddColumn(new TableColumn("postprocess").RightAligned())
            .AddColumn(new TableColumn("track").RightAligned()).AddColumn(new TableColumn("overlay").RightAligned()).AddColumn(new TableColumn("total").RightAligned()).AddColumn(new TableColumn("objects/frame").RightAligned());
        host.AddRow(Invariant($"{h.Frames} frames, one thread"), F(h.PreprocessMs), F(h.PostprocessMs), F(h.TrackMs), F(h.OverlayMs), F(h.TotalMs), F(h.ObjectsPerFrame));
        console.Write(host);
        console.WriteLine();

        var stages = new Table().Border(TableBorder.Markdown).AddColumn("in the pipeline (wall ms/frame)");
        foreach (string stage in report.SinksOn.StageMsPerFrame.Keys)
        {
            stages.AddColumn(new TableColumn(stage).RightAligned());
        }

        stages.AddColumn(new TableColumn("host (pre+post+track+overlay)").RightAligned()).AddColumn(new TableColumn("objects/frame").RightAligned()).AddColumn(new TableColumn("managed B/frame").RightAligned());
        foreach (var p in new[] { report.SinksOn, report.SinksOff })
        {
            stages.AddRow([$"sinks: {p.Sinks}", .. p.StageMsPerFrame.Values.Select(F), F(p.HostMsPerFrame), F(p.ObjectsPerFrame), Invariant($"{p.AllocatedBytesPerFrame:0}")]);
        }

        console.Write(stages);
        console.WriteLine();

        if (report.Batching.Count > 0)
        {
            var batching = new Table().Border(TableBorder.Markdown).AddColumn("streams").AddColumn("max batch").AddColumn(new TableColumn("frames/s").RightAligned()).AddColumn(new TableColumn("mean batch").RightAligned()).AddColumn(new TableColumn("vs max batch 1").RightAligned());
            foreach (var b in report.Batching)
            {
                double baseline = report.Batching.First(x => x.Streams == b.Streams && x.MaxBatch == 1).SteadyFps;
                batching.AddRow(b.Streams.ToString(CultureInfo.InvariantCulture), b.MaxBatch.ToString(CultureInfo.InvariantCulture), F(b.SteadyFps), F(b.MeanBatch), F(b.SteadyFps / baseline));
            }

            console.Write(batching);
            console.WriteLine();
        }

        var targets = new Table().Border(TableBorder.Markdown).AddColumn("target").AddColumn("goal").AddColumn(new TableColumn("measured").RightAligned()).AddColumn("met");
        foreach (var t in report.Targets)
        {
            targets.AddRow(t.Name, t.Goal, F(t.Value), t.Met ? "yes" : "NO");
        }

        console.Write(targets);
    }

    private static string Fps(IEnumerable<SweepPoint> row, bool spinning) =>
        row.FirstOrDefault(p => p.Spinning == spinning) is { } point ? F(point.Fps) : "-";

    private static string OnOff(bool on) => on ? "on" : "off";

    private static string F(double value) => value.ToString(value >= 100 ? "0" : "0.00", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
