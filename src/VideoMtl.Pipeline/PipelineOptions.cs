using VideoMtl.Pipeline.Stages;
using VideoMtl.Core.Decoding;
using VideoMtl.Core.Tracking;
using VideoMtl.Inference;
using VideoMtl.Inference.Threading;
using VideoMtl.Media;
using VideoMtl.Pipeline.Sources;
using VideoMtl.Vision;

namespace VideoMtl.Pipeline;

/// <summary>Everything a pipeline run needs; <see cref="Validate"/> names the first bad setting.</summary>
public sealed record PipelineOptions
{
    /// <summary>
    /// Tests only: called with the stage name ("capture", "preprocess", "inference", "postprocess") and the frame
    /// at each stage, so a test can make any stage throw at a chosen frame. Null in every real run.
    /// </summary>
    internal Action<string, FramePacket>? FaultInjection { get; init; }

    public required IReadOnlyList<SourceSpec> Sources { get; init; }

    /// <summary>
    /// In auto mode (<see cref="Core.Model.ModelTasks.Auto"/>), one frame per stream and task in this period is given
    /// the task whatever its detections show, so a detector's miss is not for ever; zero: never.
    /// </summary>
    public TimeSpan GateKeepAlive { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The tasks of every stream that does not name its own (<see cref="SourceSpec.Tasks"/>); null: all the model has.</summary>
    public Core.Model.ModelTasks? Tasks { get; init; }

    /// <summary>
    /// Which of the sources this instance captures, when instances share them (a cluster): each stream's
    /// capture waits for its lease. Null: every source is captured here, and the run ends when they have.
    /// </summary>
    public Ownership.IStreamOwnership? Ownership { get; init; }

    public required string OutputDirectory { get; init; }

    public required string ModelPath { get; init; }

    public ExecutionProviderOptions Provider { get; init; } = ExecutionProviderOptions.Cpu;

    /// <summary>ONNX Runtime intra-op threads; 0 = one per CPU this process may use (see <see cref="IntraOpThreadChoice"/>).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Let ONNX Runtime's intra-op threads spin between operators (ONNX Runtime's own default). On by
    /// default: measured on 2 cores with every sink on, the pipeline ran about 8% faster with spinning
    /// (7.44–7.54 against 6.58–7.36 frames/s) now that encoding is cheap; the sleeping alternative leaves
    /// more cycles to capture, decoding and encoding, for machines where those are the bottleneck.
    /// </summary>
    public bool OrtSpinning { get; init; } = true;

    /// <summary>The intra-op thread count this run uses, and why (0 resolved against the CPUs available).</summary>
    public IntraOpThreadChoice ResolveThreads(CpuBudget? budget = null) => IntraOpThreadChoice.Resolve(IntraOpThreads, budget ?? CpuBudget.Detect());

    /// <summary>The session settings every inference in a run uses (also the bench's ceiling).</summary>
    /// <param name="threads">The thread choice already made (and logged) by the caller; resolved here when null.</param>
    public InferenceSessionOptions CreateSessionOptions(IntraOpThreadChoice? threads = null) => new()
    {
        Provider = Provider,
        IntraOpThreads = (threads ?? ResolveThreads()).Threads,
        LogLevel = OrtLogLevel.Error,
        Spinning = OrtSpinning,
    };

    /// <summary>Frames per inference call, across streams.</summary>
    public int MaxBatch { get; init; } = 4;

    /// <summary>How long the batcher waits to fill a batch once it holds one frame.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(10);

    public DecoderOptions Decoder { get; init; } = new();

    /// <summary>Track ids per stream (on by default); see <see cref="TrackerOptions"/>.</summary>
    public TrackerOptions Tracking { get; init; } = new();

    /// <summary>Restart files from the beginning when they end.</summary>
    public bool Loop { get; init; }

    /// <summary>Read files at their own frame rate and treat them like live sources (drop when behind).</summary>
    public bool Realtime { get; init; }

    /// <summary>Stop each source after this many frames (null: read to the end, or forever when live/looping).</summary>
    public long? MaxFramesPerSource { get; init; }

    public bool WriteVideo { get; init; } = true;

    /// <summary>
    /// x264 speed preset of the mp4 output (see <see cref="VideoPresets.X264"/>). Encoding is the largest host
    /// cost per frame: "veryfast" takes about a third of the CPU time of "medium" at the same quality.
    /// </summary>
    public string VideoPreset { get; init; } = VideoPresets.Default;

    public bool WriteNdjson { get; init; } = true;

    /// <summary>Frames each sink may hold; a live frame finding its sink full is dropped and counted.</summary>
    public int SinkQueueCapacity { get; init; } = 16;

    /// <summary>
    /// After a stop, how long the frames already in flight may take to go through every sink; past it the
    /// rest are dropped and the files closed, so a stop ends the process within seconds even on a slow or
    /// overloaded machine (a drain is normally a few batches).
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public CaptureOptions Capture { get; init; } = new();

    /// <summary>How live sources are retried and when a silent one counts as stalled.</summary>
    public ReconnectPolicy Reconnect { get; init; } = new();

    /// <param name="extraSinks">Sinks the caller adds itself; with one, the built-in outputs may all be off.</param>
    public void Validate(int extraSinks = 0)
    {
        if (Sources.Count == 0)
        {
            throw new ArgumentException("no source given: add --source FILE|/dev/videoN|URL (or Sources in the settings file)");
        }

        var duplicate = Sources.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two sources are named '{duplicate.Key}': give each a unique name with NAME=URI");
        }

        if (MaxBatch is < 1 or > 64)
        {
            throw new ArgumentException($"--max-batch / MaxBatch {MaxBatch} is out of range: use 1..64");
        }

        if (MaxBatchWait < TimeSpan.Zero || MaxBatchWait > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"--max-wait-ms / MaxWaitMs {MaxBatchWait.TotalMilliseconds} is out of range: use 0..1000");
        }

        if (MaxFramesPerSource is < 1)
        {
            throw new ArgumentException($"--max-frames / MaxFrames {MaxFramesPerSource} is out of range: use 1 or more (or leave it unset)");
        }

        if (!WriteVideo && !WriteNdjson && extraSinks == 0)
        {
            throw new ArgumentException("every output is switched off (--no-video and --no-ndjson): keep the video or the NDJSON output");
        }

        if (!VideoPresets.IsKnown(VideoPreset))
        {
            throw new ArgumentException($"--video-preset / VideoPreset '{VideoPreset}' is unknown: use one of {VideoPresets.Listing}");
        }

        Reconnect.Validate();
        Decoder.Validate();
        Tracking.Validate();
    }
}
