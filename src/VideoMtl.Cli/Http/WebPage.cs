using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace VideoMtl.Cli.Http;

/// <summary>
/// The live view's files (<c>/</c>, <c>/ui/app.js</c>, <c>/ui/app.css</c>), embedded in the assembly and read once:
/// no CDN, font or other origin, so it works offline, under a Content-Security-Policy that allows nothing else
/// (no inline script or style, no framing, images and connections to this server only).
/// </summary>
internal static class WebPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "web/index.html", "text/html; charset=utf-8"),
        ("/ui/app.js", "web/app.js", "text/javascript; charset=utf-8"),
        ("/ui/app.css", "web/app.css", "text/css; charset=utf-8"),
    ];

    public static void Map(WebApplication app)
    {
        var assembly = typeof(WebPage).Assembly;
        foreach (var (path, resource, contentType) in Files)
        {
            byte[] content = Read(assembly, resource);
            app.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache";
                return Results.Bytes(content, contentType);
            });
        }
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the build left out the embedded file {resource}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
