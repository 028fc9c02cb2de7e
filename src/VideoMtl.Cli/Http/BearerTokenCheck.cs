using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace VideoMtl.Cli.Http;

/// <summary>
/// Optional access control. Every request must present <c>Authorization: Bearer TOKEN</c>, or the session cookie
/// that <c>POST /session</c> hands out for that header, except <c>/healthz</c> (liveness probes carry no secrets)
/// and the web page's own files (the page must load to ask for the token; it holds no data). The cookie lets the
/// browser's <c>&lt;img&gt;</c> and <c>EventSource</c> requests, which cannot send headers, through without the
/// token ever being put in a URL (URLs get logged); it is HttpOnly, SameSite=Strict, ends with the browser
/// session and stops working when the process restarts (its key is made per process). Comparisons take the
/// same time whatever the guess, so neither secret can be found byte by byte from response times.
/// </summary>
internal sealed class BearerTokenCheck
{
    public const string CookieName = "videomtl_session";
    private readonly byte[] _expected;
    private readonly string _session;
    private readonly byte[] _sessionHash;

    public BearerTokenCheck(string token)
    {
        _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        // The cookie's value is derived from the token with a key that lives only in this process: it reveals
        // nothing of the token, and a restart (new key) ends every session; the page then signs in again.
        _session = Convert.ToBase64String(HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), _expected))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _sessionHash = SHA256.HashData(Encoding.ASCII.GetBytes(_session));
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (IsPublic(context.Request.Path) || IsAuthorized(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"videomtl\"";
        await JsonError.Reply("unauthorized: send Authorization: Bearer <token> (the Http:BearerToken setting)", StatusCodes.Status401Unauthorized)
            .ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>Sets the session cookie on a response to a request that presented the token (<c>POST /session</c>).</summary>
    public void StartSession(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Cookies.Append(CookieName, _session, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
    }

    private static bool IsPublic(PathString path) =>
        path.Equals("/healthz", StringComparison.Ordinal) || path.Equals("/", StringComparison.Ordinal) || path.StartsWithSegments("/ui", StringComparison.Ordinal);

    private bool IsAuthorized(HttpRequest request)
    {
        const string scheme = "Bearer ";
        string header = request.Headers.Authorization.ToString();
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            // Hashing first gives both sides the same length, which FixedTimeEquals needs to be constant-time.
            byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
            return CryptographicOperations.FixedTimeEquals(presented, _expected);
        }

        return request.Cookies.TryGetValue(CookieName, out string? cookie)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(cookie)), _sessionHash);
    }
}
