using System.Net;
using System.Net.Sockets;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// The catalogue of mistakes a user can make with <c>videomtl run</c> (settings, model, sources, outputs,
/// port): every one ends with a non-zero exit, a message naming the input and the fix, and no stack trace.
/// Setting mistakes are one line on stderr; a source that fails once the run is going is one error log line.
/// </summary>
public sealed class BadInputCatalogueTests : IClassFixture<BadInputCatalogueTests.Workbench>
{
    private readonly Workbench _bench;

    public BadInputCatalogueTests(Workbench bench)
    {
        _bench = bench;
    }

    /// <summary>Case name → what the message must contain.</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "model-missing", "model not found" },
        { "model-is-a-folder", "is a folder: give the .onnx file" },
        { "model-empty", "is empty (0 bytes)" },
        { "model-not-onnx", "not an ONNX model" },
        { "model-truncated", "damaged/truncated" },
        { "model-without-multitask-metadata", "not a VideoMtl multi-task model; build one with 'videomtl model build'" },
        { "device-unknown", "unknown device 'tpu'" },
        { "device-gpu-required-but-missing", "drop the '!' from the device" },
        { "confidence-above-1", "--conf / Confidence" },
        { "confidence-not-a-number", "--conf 'high' is not a number" },
        { "iou-negative", "--iou / IoU" },
        { "duplicate-stream-names", "two sources are named 'cam'" },
        { "stream-name-with-slash", "stream name '../x' is invalid" },
        { "source-scheme-unsupported", "unsupported source scheme 'ftp://'" },
        { "no-source", "no source given" },
        { "output-under-a-file", "--out / Output" },
        { "every-output-off", "every output is switched off" },
        { "port-in-use", "cannot listen on 127.0.0.1:" },
        { "port-out-of-range", "--http-port / Http:Port 70000 is out of range" },
        { "address-not-ip", "--http-address / Http:Address 'localhost:80' is not an IP address" },
        { "max-batch-zero", "--max-batch / MaxBatch 0 is out of range" },
        { "max-wait-too-long", "--max-wait-ms / MaxWaitMs 5000 is out of range" },
        { "threads-negative", "--threads / Threads -1 is out of range" },
        { "max-frames-zero", "--max-frames / MaxFrames 0 is out of range" },
        { "video-preset-unknown", "--video-preset / VideoPreset 'turbo' is unknown" },
        { "unknown-flag", "unknown option or argument '--confidance'" },
        { "log-format-unknown", "--log-format / LogFormat 'xml' is unknown" },
        { "config-file-missing", "file not found; give an existing JSON settings file" },
        { "config-invalid-json", "is not valid JSON" },
        { "config-unknown-key", "unknown setting 'MaxBatchSize'" },
        { "config-wrong-type", "MaxBatch" },
        { "env-reconnect-jitter", "Reconnect:Jitter 5 is out of range" },
        { "env-weak-bearer-token", "Http:BearerToken is too weak" },
        { "env-max-viewers-zero", "Http:MaxViewers 0 is out of range" },
        { "env-management-port-same-as-port", "Http:ManagementPort 8080 is out of range: use 1..65535 other than Http:Port (8080)" },
        { "env-redis-url-not-redis", "Redis:Url is not a Redis address" },
        { "tasks-unknown", "--tasks / Tasks 'detect,depth': unknown task 'depth': use detect, segment, pose (comma-separated), all, or auto" },
        { "stream-tasks-for-no-stream", "StreamTasks:door names no stream: the streams are vtest" },
        { "stream-tasks-unknown", "StreamTasks:vtest 'masks': unknown task 'masks'" },
        { "cluster-port-in-use", "is in use (another instance or program listens there): give each instance its own Cluster:Port" },
        { "cluster-seeds-unreachable", "could not join the cluster through the seeds 127.0.0.1:" },
        { "cluster-seed-not-host-port", "Cluster:Seeds entry 'seed-box' is not host:port" },
        { "cluster-node-name-invalid", "Cluster:NodeName 'box 1' is not a usable name" },
        { "source-file-missing", "video file not found" },
        { "source-zero-bytes", "video file is empty (0 bytes)" },
        { "source-not-a-video", "cannot decode" },
        { "source-folder-without-images", "has no image files" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_mistake_gets_a_clear_message_and_a_failing_exit(string name, string expected)
    {
        using var work = new TemporaryDirectory();
        using var portTaken = new TcpListener(IPAddress.Loopback, 0);
        portTaken.Start();
        var (args, environment) = Case(name, work, ((IPEndPoint)portTaken.LocalEndpoint).Port);

        var (exit, _, stderr) = CliProcess.Run(environment, ["run", .. args]);

        Assert.True(exit != 0, $"{name}: exit code 0; stderr: {stderr}");
        Assert.True(stderr.Contains(expected, StringComparison.Ordinal), $"{name}: expected '{expected}' in: {stderr}");
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        var errorLines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal)).ToList();
        Assert.True(errorLines.Count == 1, $"{name}: one error line expected, got: {stderr}");
        Assert.True(errorLines[0].Contains(expected, StringComparison.Ordinal) || stderr.Contains(expected, StringComparison.Ordinal), stderr);
    }

    [Fact]
    public void The_catalogue_has_at_least_twenty_cases() => Assert.True(Cases.Count >= 20, $"{Cases.Count} cases");

    private (string[] Args, Dictionary<string, string?>? Environment) Case(string name, TemporaryDirectory work, int busyPort)
    {
        string video = TestData.VtestAvi;
        string model = _bench.Model;
        string output = work.File("out");
        string[] Run(params string[] extra)
        {
            var args = new List<string>(extra);
            if (!args.Contains("--model"))
            {
                args.AddRange(["--model", model]);
            }

            if (!args.Contains("--out"))
            {
                args.AddRange(["--out", output]);
            }

            if (!args.Contains("--http-port"))
            {
                args.AddRange(["--http-port", "0"]);
            }

            args.AddRange(["--max-frames", "2", "--no-progress"]);
            return [.. args];
        }

        string Settings(string json)
        {
            string path = work.File("settings.json");
            File.WriteAllText(path, json);
            return path;
        }

        return name switch
        {
            "model-missing" => (Run("--source", video, "--model", work.File("nope.onnx")), null),
            "model-is-a-folder" => (Run("--source", video, "--model", work.Path), null),
            "model-empty" => (Run("--source", video, "--model", _bench.EmptyFile(".onnx")), null),
            "model-not-onnx" => (Run("--source", video, "--model", _bench.TextFile(".onnx")), null),
            "model-truncated" => (Run("--source", video, "--model", _bench.TruncatedModel), null),
            "model-without-multitask-metadata" => (Run("--source", video, "--model", TestData.DetectionModel), null),
            "device-unknown" => (Run("--source", video, "--device", "tpu"), null),
            "device-gpu-required-but-missing" => (Run("--source", video, "--device", "cuda!"), null),
            "confidence-above-1" => (Run("--source", video, "--conf", "1.5"), null),
            "confidence-not-a-number" => (Run("--source", video, "--conf", "high"), null),
            "iou-negative" => (Run("--source", video, "--iou", "-1"), null),
            "duplicate-stream-names" => (Run("--source", "cam=" + video, "--source", "cam=" + TestData.WalkingMp4), null),
            "stream-name-with-slash" => (Run("--source", "../x=" + video), null),
            "source-scheme-unsupported" => (Run("--source", "ftp://127.0.0.1/feed"), null),
            "no-source" => (Run(), null),
            "output-under-a-file" => (Run("--source", video, "--out", Path.Combine(video, "results")), null),
            "every-output-off" => (Run("--source", video, "--no-video", "--no-ndjson"), null),
            "port-in-use" => (Run("--source", video, "--http-port", busyPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), null),
            "port-out-of-range" => (Run("--source", video, "--http-port", "70000"), null),
            "address-not-ip" => (Run("--source", video, "--http-address", "localhost:80", "--http-port", "8080"), null),
            "max-batch-zero" => (Run("--source", video, "--max-batch", "0"), null),
            "max-wait-too-long" => (Run("--source", video, "--max-wait-ms", "5000"), null),
            "threads-negative" => (Run("--source", video, "--threads", "-1"), null),
            "max-frames-zero" => (["--source", video, "--model", model, "--out", output, "--http-port", "0", "--max-frames", "0"], null),
            "video-preset-unknown" => (Run("--source", video, "--video-preset", "turbo"), null),
            "unknown-flag" => (Run("--source", video, "--confidance", "0.5"), null),
            "log-format-unknown" => (Run("--source", video, "--log-format", "xml"), null),
            "config-file-missing" => (Run("--source", video, "--config", work.File("missing.json")), null),
            "config-invalid-json" => (Run("--source", video, "--config", Settings("{ \"MaxBatch\": 4,, }")), null),
            "config-unknown-key" => (Run("--source", video, "--config", Settings("{ \"MaxBatchSize\": 4 }")), null),
            "config-wrong-type" => (Run("--source", video, "--config", Settings("{ \"MaxBatch\": \"four\" }")), null),
            "env-reconnect-jitter" => (Run("--source", video), new() { ["VIDEOMTL__RECONNECT__JITTER"] = "5" }),
            "env-weak-bearer-token" => (Run("--source", video, "--http-port", "8080"), new() { ["VIDEOMTL__HTTP__BEARERTOKEN"] = "1234" }),
            "env-max-viewers-zero" => (Run("--source", video), new() { ["VIDEOMTL__HTTP__MAXVIEWERS"] = "0" }),
            "env-management-port-same-as-port" => (Run("--source", video, "--http-port", "8080"), new() { ["VIDEOMTL__HTTP__MANAGEMENTPORT"] = "8080" }),
            "env-redis-url-not-redis" => (Run("--source", video), new() { ["VIDEOMTL__REDIS__URL"] = "http://user:s3cret@cache.local" }),
            "tasks-unknown" => (Run("--source", video, "--tasks", "detect,depth"), null),
            "stream-tasks-for-no-stream" => (Run("--source", video), new() { ["VIDEOMTL__STREAMTASKS__door"] = "detect" }),
            "stream-tasks-unknown" => (Run("--source", video), new() { ["VIDEOMTL__STREAMTASKS__vtest"] = "masks" }),
            "cluster-port-in-use" => (Run("--source", video, "--cluster", "--cluster-port", busyPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), null),
            "cluster-seeds-unreachable" => (Run("--source", video, "--cluster", "--cluster-port", LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", $"127.0.0.1:{LoopbackPorts.Free()}"),
                new() { ["VIDEOMTL__CLUSTER__JOINTIMEOUTSECONDS"] = "3" }),
            "cluster-seed-not-host-port" => (Run("--source", video, "--cluster", "--seed", "seed-box"), null),
            "cluster-node-name-invalid" => (Run("--source", video, "--cluster", "--node-name", "box 1"), null),
            "source-file-missing" => (Run("--source", work.File("nope.avi")), null),
            "source-zero-bytes" => (Run("--source", _bench.EmptyFile(".mp4")), null),
            "source-not-a-video" => (Run("--source", _bench.TextFile(".mp4")), null),
            "source-folder-without-images" => (Run("--source", _bench.EmptyFolder), null),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such case"),
        };
    }

    /// <summary>A built multi-task model and the broken files the cases point at, made once for the class.</summary>
    public sealed class Workbench : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();
        private readonly InferCommandTests.BuiltModel _model = new();

        public Workbench()
        {
            Assert.True(_model.Exit == 0, _model.Stderr);
            TruncatedModel = _directory.File("truncated.onnx");
            byte[] bytes = File.ReadAllBytes(_model.Path);
            File.WriteAllBytes(TruncatedModel, bytes[..(bytes.Length / 3)]);
            EmptyFolder = _directory.File("no-images");
            Directory.CreateDirectory(EmptyFolder);
            File.WriteAllText(Path.Combine(EmptyFolder, "notes.txt"), "not an image");
        }

        public string Model => _model.Path;

        public string TruncatedModel { get; }

        public string EmptyFolder { get; }

        public string EmptyFile(string extension)
        {
            string path = _directory.File("empty" + extension);
            File.WriteAllBytes(path, []);
            return path;
        }

        public string TextFile(string extension)
        {
            string path = _directory.File("text" + extension);
            File.WriteAllText(path, "this is not what the extension says\n");
            return path;
        }

        public void Dispose()
        {
            _model.Dispose();
            _directory.Dispose();
        }
    }
}
