using StackExchange.Redis;

namespace VideoMtl.Redis;

/// <summary>
/// Where Redis is: <c>redis://[user:password@]host[:port][/db]</c> (or <c>rediss://</c> for TLS), or a bare
/// <c>host[:port]</c>. <see cref="Redacted"/> is what logs, errors and <c>/streams</c> show: never the credentials.
/// </summary>
public sealed class RedisEndpoint
{
    private RedisEndpoint(string host, int port, string? user, string? password, int database, bool tls)
    {
        Host = host;
        Port = port;
        User = user;
        Password = password;
        Database = database;
        Tls = tls;
    }

    public string Host { get; }

    public int Port { get; }

    public int Database { get; }

    public bool Tls { get; }

    internal string? User { get; }

    internal string? Password { get; }

    /// <summary>The address with any credentials replaced by <c>***</c>.</summary>
    public string Redacted => $"{(Tls ? "rediss" : "redis")}://{(User is null && Password is null ? string.Empty : "***@")}{Host}:{Port}/{Database}";

    /// <exception cref="ArgumentException">Not a Redis address; the message names the fix and never the credentials.</exception>
    public static RedisEndpoint Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string text = url.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "redis://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new ArgumentException("Redis:Url is not a Redis address: give redis://[user:password@]host[:port][/db] or host:port");
        }

        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            user = parts.Length == 2 && parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
            password = Uri.UnescapeDataString(parts.Length == 2 ? parts[1] : parts[0]);
        }

        int database = 0;
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, System.Globalization.CultureInfo.InvariantCulture, out database) || database < 0))
        {
            throw new ArgumentException($"Redis:Url path '/{path}' is not a database number: give redis://host:port/0");
        }

        return new RedisEndpoint(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port, user, password, database, uri.Scheme == "rediss");
    }

    /// <summary>StackExchange.Redis options: keep trying (a Redis that is down at start or goes away is waited for, never fatal).</summary>
    internal ConfigurationOptions Options(string clientName)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            ConnectRetry = 1,
            DefaultDatabase = Database,
            Ssl = Tls,
            User = User,
            Password = Password,
            ClientName = clientName,
            ReconnectRetryPolicy = new ExponentialRetry(250, 5000),
        };
        options.EndPoints.Add(Host, Port);
        return options;
    }

    public override string ToString() => Redacted;
}
