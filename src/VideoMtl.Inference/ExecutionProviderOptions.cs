using System.Globalization;

namespace VideoMtl.Inference;

/// <summary>
/// The device a session should run on. Written as <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>, <c>tensorrt</c>;
/// a trailing <c>!</c> makes it strict: fail instead of falling back to CPU.
/// </summary>
public sealed record ExecutionProviderOptions
{
    public static ExecutionProviderOptions Cpu { get; } = new();

    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    public int DeviceId { get; init; }

    /// <summary>Fail session creation when the provider cannot be used, instead of warning and using CPU.</summary>
    public bool Strict { get; init; }

    /// <summary>TensorRT: build FP16 engines.</summary>
    public bool TensorRtFp16 { get; init; } = true;

    /// <summary>TensorRT: where built engines are cached between runs (null = no cache: every start rebuilds).</summary>
    public string? TensorRtEngineCacheDirectory { get; init; }

    public static ExecutionProviderOptions Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string text = value.Trim().ToLowerInvariant();
        bool strict = text.EndsWith('!');
        if (strict)
        {
            text = text[..^1];
        }

        int deviceId = 0;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out deviceId))
            {
                throw new ArgumentException($"invalid device '{value}': the GPU index after ':' must be a number, e.g. cuda:0");
            }

            text = text[..colon];
        }

        var device = text switch
        {
            "cpu" => ExecutionDevice.Cpu,
            "cuda" or "gpu" => ExecutionDevice.Cuda,
            "tensorrt" or "trt" => ExecutionDevice.TensorRt,
            _ => throw new ArgumentException($"unknown device '{value}': use cpu, cuda[:N] or tensorrt[:N], with a trailing ! to forbid falling back to CPU"),
        };
        return new ExecutionProviderOptions { Device = device, DeviceId = deviceId, Strict = strict };
    }

    public override string ToString() =>
        Device switch
        {
            ExecutionDevice.Cpu => "cpu",
            ExecutionDevice.Cuda => $"cuda:{DeviceId}",
            _ => $"tensorrt:{DeviceId}",
        } + (Strict ? "!" : string.Empty);
}
