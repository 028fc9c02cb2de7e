namespace VideoMtl.Cli.Configuration;

/// <summary>
/// Everything <c>videomtl run</c> can be told, bound from (later wins) these defaults,
/// <c>config/videomtl.json</c> or <c>--config FILE</c>, <c>VIDEOMTL__*</c> environment variables, and flags.
/// Property names are the configuration keys (case-insensitive).
/// </summary>
internal sealed class RunSettings
{
    /// <summary>Sources as on the command line: <c>[NAME=]URI</c>.</summary>
    public List<string> Sources { get; set; } = [];

    public string Output { get; set; } = "out";

    /// <summary>Null: the default model of the installation.</summary>
    public string? Model { get; set; }

    public string Device { get; set; } = "cpu";

    public int Threads { get; set; }

    /// <summary>TensorRT: build FP16 engines (the model stays float32 on disk; TensorRT converts).</summary>
    public bool TensorRtFp16 { get; set; } = true;

    /// <summary>TensorRT: where built engines are kept between runs (null: the cache folder's tensorrt/).</summary>
    public string? TensorRtEngineCache { get; set; }

    /// <summary>ONNX Runtime's intra-op threads spin between operators (off: they sleep, leaving the cores to the other stages).</summary>
    public bool OrtSpinning { get; set; } = true;

    public int MaxBatch { get; set; } = 4;

    public int MaxWaitMs { get; set; } = 10;

    public float Confidence { get; set; } = 0.25f;

    public float IoU { get; set; } = 0.7f;

    /// <summary>Stop each source after this many frames; null reads to the end.</summary>
    public long? MaxFrames { get; set; }

    public bool Loop { get; set; }

    public bool Realtime { get; set; }

    public bool Video { get; set; } = true;

    /// <summary>x264 speed preset of the mp4 output (ultrafast … veryslow), or <c>ffmpeg</c> for OpenCV's FFmpeg writer.</summary>
    public string VideoPreset { get; set; } = Media.VideoPresets.Default;

    public bool Ndjson { get; set; } = true;

    /// <summary>Progress bar on a terminal when every source is a file.</summary>
    public bool Progress { get; set; } = true;

    /// <summary><c>text</c> (one line per entry) or <c>json</c> (one JSON object per line).</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary>Tasks of every stream, e.g. "detect" or "detect,pose" (default: all the model has).</summary>
    public string? Tasks { get; set; }

    /// <summary>Tasks of single streams, by stream name, over <see cref="Tasks"/> (e.g. { "door": "detect" }).</summary>
    public Dictionary<string, string> StreamTasks { get; set; } = [];

    public GateSettings Gate { get; set; } = new();

    public HttpSettings Http { get; set; } = new();

    public ReconnectSettings Reconnect { get; set; } = new();

    public RedisSettings Redis { get; set; } = new();

    public ClusterSettings Cluster { get; set; } = new();

    /// <summary>Track ids (bound straight onto the pipeline's options: each key is documented once, there).</summary>
    public Core.Tracking.TrackerOptions Tracking { get; set; } = new();
}
