using VideoMtl.Cli.Soak;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

public sealed class LoopbackMjpegFeedTests
{
    [Fact]
    public async Task The_next_client_is_served_after_one_leaves_and_a_stopped_feed_refuses()
    {
        await using var feed = new LoopbackMjpegFeed(TestData.VtestAvi, "feed-test.mjpg", width: 160);
        await feed.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };

        // ffmpeg -listen 1 alone would leave a dead port after the first client hangs up.
        for (int client = 1; client <= 3; client++)
        {
            byte[] part = await RetryAsync(() => ReadStartAsync(http, feed.Url));
            Assert.Contains("Content-Type: image/jpeg", System.Text.Encoding.ASCII.GetString(part), StringComparison.OrdinalIgnoreCase);
        }

        Assert.True(feed.Restarts >= 2, $"{feed.Restarts} restarts for 3 clients");
        await feed.StopAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => ReadStartAsync(http, feed.Url));
    }

    [Fact]
    public async Task A_missing_video_is_named()
    {
        await using var feed = new LoopbackMjpegFeed("/nonexistent/clip.avi", "feed-missing.mjpg");
        var error = await Assert.ThrowsAsync<UserError>(() => feed.StartAsync());
        Assert.Contains("/nonexistent/clip.avi", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_ffmpeg_cannot_read_fails_the_start_with_its_reason()
    {
        using var work = new TemporaryDirectory();
        string notVideo = work.File("notes.avi");
        await File.WriteAllTextAsync(notVideo, "not a video");
        await using var feed = new LoopbackMjpegFeed(notVideo, "feed-broken.mjpg");
        var error = await Assert.ThrowsAsync<UserError>(() => feed.StartAsync());
        Assert.Contains("ffmpeg cannot serve", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A client that retries like the pipeline does: ffmpeg needs a moment after one client to listen again.</summary>
    private static async Task<byte[]> RetryAsync(Func<Task<byte[]>> read)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(15); ; await Task.Delay(200))
        {
            try
            {
                return await read();
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // between two ffmpeg processes
            }
        }
    }

    /// <summary>Connects, reads the response's first 2 KB (headers of the first JPEG part), and hangs up.</summary>
    private static async Task<byte[]> ReadStartAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[2048];
        await body.ReadExactlyAsync(buffer);
        return buffer;
    }
}
