namespace VideoMtl.Redis.Tests;

public sealed class RedisEndpointTests
{
    [Theory]
    [InlineData("redis://127.0.0.1:6380/2", "127.0.0.1", 6380, 2, "redis://127.0.0.1:6380/2")]
    [InlineData("localhost", "localhost", 6379, 0, "redis://localhost:6379/0")]
    [InlineData("cache.local:7000", "cache.local", 7000, 0, "redis://cache.local:7000/0")]
    [InlineData("redis://user:s3cret@cache.local:7000", "cache.local", 7000, 0, "redis://***@cache.local:7000/0")]
    [InlineData("rediss://:s3cret@cache.local", "cache.local", 6379, 0, "rediss://***@cache.local:6379/0")]
    public void Addresses_are_read_and_shown_without_credentials(string url, string host, int port, int database, string redacted)
    {
        var endpoint = RedisEndpoint.Parse(url);
        Assert.Equal((host, port, database), (endpoint.Host, endpoint.Port, endpoint.Database));
        Assert.Equal(redacted, endpoint.Redacted);
        Assert.Equal(redacted, endpoint.ToString());
        Assert.DoesNotContain("s3cret", endpoint.Redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://cache.local")]
    [InlineData("redis://user:s3cret@cache.local/zero")]
    [InlineData("redis://")]
    public void A_wrong_address_is_one_line_that_never_shows_the_password(string url)
    {
        var e = Assert.Throws<ArgumentException>(() => RedisEndpoint.Parse(url));
        Assert.StartsWith("Redis:Url ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
