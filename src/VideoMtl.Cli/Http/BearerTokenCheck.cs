using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace VideoMtl.Cli.Http;

/// <summary>
/// Optional access control: every request except <c>/healthz</c> (liveness probes carry no secrets) must
/// present <c>Authorization: Bearer TOKEN</c>. The comparison takes the same time whatever the guess, so
/// the token cannot be found byte by byte from response times.
/// </summary>
internal sealed class BearerTokenCheck(string token)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.Equals("/healthz", StringComparison.Ordinal) || IsAuthorized(context.Request.Headers.Authorization.ToString()))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"videomtl\"";
        await context.Response.WriteAsync("unauthorized: send Authorization: Bearer <token>\n").ConfigureAwait(false);
    }

    private bool IsAuthorized(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashing first gives both sides the same length, which FixedTimeEquals needs to be constant-time.
        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }
}
