namespace VideoMtl.Redis;

/// <summary>The Redis keys results go to: one stream per video stream, one for stream state changes.</summary>
public static class RedisKeys
{
    public const string Events = "videomtl:events";

    public static string Results(string stream) => $"videomtl:results:{stream}";
}
