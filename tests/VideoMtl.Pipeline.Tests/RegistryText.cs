using Prometheus;

namespace VideoMtl.Pipeline.Tests;

/// <summary>A registry's exposition text, as <c>/metrics</c> serves it (prometheus-net's own exporter).</summary>
internal static class RegistryText
{
    public static string Scrape(this CollectorRegistry registry)
    {
        using var buffer = new MemoryStream();
        registry.CollectAndExportAsTextAsync(buffer).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
