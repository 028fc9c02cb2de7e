using Microsoft.AspNetCore.Http;

namespace VideoMtl.Cli.Http;

/// <summary>
/// The one shape of every error this server answers with a body: <c>{"error": "what went wrong and what to do"}</c>,
/// one line a script can read and a person can act on.
/// </summary>
internal static class JsonError
{
    public static IResult Reply(string message, int status) =>
        Results.Json(new Dictionary<string, string> { ["error"] = message }, statusCode: status);
}
