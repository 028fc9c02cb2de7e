using System.Globalization;

namespace VideoMtl.Cluster;

/// <summary>A seed node's host and port, from "host:port".</summary>
internal readonly record struct SeedAddress(string Host, int Port)
{
    public static SeedAddress Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"Cluster:Seeds entry '{text}' is not host:port (e.g. 127.0.0.1:4053)");
        }

        return new SeedAddress(text[..colon], port);
    }

    /// <summary>The seed's Akka.Remote address in a system named <paramref name="system"/>.</summary>
    public string ToAkkaAddress(string system) => $"akka.tcp://{system}@{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
