using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using OpenCvSharp;
using VideoMtl.Cli.Soak;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// The live view at <c>/</c> in headless Chromium against a real <c>videomtl run</c>: a live MJPEG camera served on
/// loopback (taken down and brought back) and a still image looped as a second stream. Live-servers collection:
/// its waits are real time.
/// </summary>
[Collection(LiveServersCollection.Name)]
public sealed class WebViewTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private static readonly Dictionary<string, string?> QuickReconnects = new()
    {
        ["VIDEOMTL__RECONNECT__STALLSECONDS"] = "3",
        ["VIDEOMTL__RECONNECT__INITIALDELAYMS"] = "250",
        ["VIDEOMTL__RECONNECT__MAXDELAYSECONDS"] = "2",
    };

    private readonly InferCommandTests.BuiltModel _model;

    public WebViewTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public async Task Shows_every_stream_live_follows_a_source_down_and_up_and_draws_the_overlays_asked_for()
    {
        await using var feed = new LoopbackMjpegFeed(TestData.VtestAvi, "feed.mjpg", width: 384);
        await feed.StartAsync();
        using var output = new TemporaryDirectory();
        await using var run = await RunningPipeline.StartAsync(
            "cam", QuickReconnects, "run", "--source", $"cam={feed.Url}", "--source", "still=" + TestData.BusJpg, "--loop",
            "--out", output.Path, "--model", _model.Path, "--no-video", "--no-progress");
        await run.WaitForMetricAsync("videomtl_frames_processed_total{stream=\"still\"}", v => v > 0);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        // One column, the second tile below the fold: only the first may pull video.
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 480, Height = 400 } });
        var page = await context.NewPageAsync();
        var errors = RecordErrors(page);
        await page.GotoAsync(run.Http.BaseAddress + "");

        await page.WaitForFunctionAsync("() => document.querySelectorAll('.tile').length === 2");
        string[] order = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('.tile')].map(t => t.dataset.stream)");
        Assert.Equal(["cam", "still"], order);
        await run.WaitForMetricAsync(Viewers("cam"), v => v == 1, seconds: 30);
        await run.WaitForMetricAsync(Viewers("still"), v => v == 0, seconds: 10);
        await run.WaitForMetricAsync(Viewers("/events"), v => v == 1, seconds: 10);
        await page.SetViewportSizeAsync(1280, 900);
        await run.WaitForMetricAsync(Viewers("still"), v => v == 1, seconds: 30);

        // Each tile's preview decodes, at its stream's own size.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.tile img')].every(i => i.naturalWidth > 0)", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        using (var streams = JsonDocument.Parse(await run.Http.GetStringAsync(new Uri("/streams", UriKind.Relative))))
        {
            foreach (var stream in streams.RootElement.EnumerateArray())
            {
                string name = stream.GetProperty("name").GetString()!;
                int[] size = await page.EvaluateAsync<int[]>($"() => {{ const i = document.querySelector(\".tile[data-stream='{name}'] img\"); return [i.naturalWidth, i.naturalHeight]; }}");
                Assert.Equal([stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()], size);
            }
        }

        // The figures move without a reload: frames/s changes, objects are counted.
        var fps = page.Locator(".tile[data-stream='still'] [data-field='fps']");
        await page.WaitForFunctionAsync("() => document.querySelector(\".tile[data-stream='still'] [data-field='fps']\").textContent !== '–'");
        string firstFps = await fps.TextContentAsync() ?? string.Empty;
        await page.WaitForFunctionAsync(
            "first => document.querySelector(\".tile[data-stream='still'] [data-field='fps']\").textContent !== first", firstFps, new PageWaitForFunctionOptions { Timeout = 60_000 });
        Assert.NotEqual("0", await page.Locator(".tile[data-stream='still'] [data-field='objects']").TextContentAsync());
        Assert.Matches("^[0-9]+ / [0-9]+ ms$", await page.Locator(".tile[data-stream='cam'] [data-field='latency']").TextContentAsync());

        // The camera goes away: its tile says down (with the reason), the other stays up; it comes back: up.
        await feed.StopAsync();
        await page.WaitForSelectorAsync(".tile[data-stream='cam'][data-state='down']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.NotEqual(string.Empty, await page.Locator(".tile[data-stream='cam'] [data-field='reason']").TextContentAsync());
        Assert.Equal("up", await page.Locator(".tile[data-stream='still']").GetAttributeAsync("data-state"));
        await feed.StartAsync();
        await page.WaitForSelectorAsync(".tile[data-stream='cam'][data-state='up']", new PageWaitForSelectorOptions { Timeout = 30_000 });

        // The large view: its toggles change the pixels; all on again gives the first picture back (a still image,
        // so only the overlays can differ). The tiles stop their video while it covers them.
        await page.ClickAsync(".tile[data-stream='still']");
        var large = page.Locator("#large-image");
        byte[] withAll = await SettledScreenshotAsync(page, large);
        await run.WaitForMetricAsync(Viewers("cam"), v => v == 0, seconds: 10);
        foreach (string overlay in new[] { "masks", "boxes", "skeletons", "labels" })
        {
            await page.UncheckAsync($"input[data-overlay='{overlay}']");
        }

        Assert.Contains("overlays=none", await large.GetAttributeAsync("src"), StringComparison.Ordinal);
        byte[] withNone = await SettledScreenshotAsync(page, large);
        await page.CheckAsync("input[data-overlay='boxes']");
        byte[] boxesOnly = await SettledScreenshotAsync(page, large);
        foreach (string overlay in new[] { "masks", "skeletons", "labels" })
        {
            await page.CheckAsync($"input[data-overlay='{overlay}']");
        }

        byte[] allAgain = await SettledScreenshotAsync(page, large);
        double overlaysOff = MeanDifference(withAll, withNone), boxesOn = MeanDifference(withNone, boxesOnly), again = MeanDifference(withAll, allAgain);
        Assert.True(overlaysOff > 4 * again && overlaysOff > 1, $"turning the overlays off changed {overlaysOff:0.00} per pixel, the same view twice {again:0.00}");
        Assert.True(boxesOn > 4 * again, $"turning boxes on changed {boxesOn:0.00} per pixel, the same view twice {again:0.00}");

        // The snapshot button fetches this view as a JPEG of the stream's size.
        await page.UncheckAsync("input[data-overlay='labels']");
        Assert.Contains("overlays=masks,boxes,skeletons", await page.Locator("#snapshot").GetAttributeAsync("href"), StringComparison.Ordinal);
        int[] snapshot = await page.EvaluateAsync<int[]>(
            "async () => { const r = await fetch(document.getElementById('snapshot').href); const b = await createImageBitmap(await r.blob()); return [r.status, b.width, b.height]; }");
        Assert.Equal([200, 810, 1080], snapshot);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(output.Path, "large-view.png") });

        // Closed: the tiles play again. A hidden tab (as the browser reports one) stops them, showing it again resumes.
        await page.ClickAsync("#large-close");
        await run.WaitForMetricAsync(Viewers("cam"), v => v == 1, seconds: 30);
        await SetHiddenAsync(page, true);
        await run.WaitForMetricAsync(Viewers("cam"), v => v == 0, seconds: 10);
        await run.WaitForMetricAsync(Viewers("still"), v => v == 0, seconds: 10);
        await SetHiddenAsync(page, false);
        await run.WaitForMetricAsync(Viewers("still"), v => v == 1, seconds: 10);

        // The page gone: nobody watches, the server holds nothing for it.
        await page.CloseAsync();
        foreach (string label in new[] { "cam", "still", "/events" })
        {
            await run.WaitForMetricAsync(Viewers(label), v => v == 0, seconds: 30);
        }

        Assert.Empty(errors);
    }

    [Fact]
    public async Task With_a_token_the_page_asks_once_keeps_it_out_of_urls_and_signs_in_again_after_a_restart()
    {
        const string token = "web-view-token-0123456789";
        var environment = new Dictionary<string, string?>(QuickReconnects) { ["VIDEOMTL__HTTP__BEARERTOKEN"] = token };
        using var output = new TemporaryDirectory();
        string[] args = ["run", "--source", "still=" + TestData.BusJpg, "--loop", "--out", output.Path, "--model", _model.Path, "--no-video", "--no-progress"];
        var run = await RunningPipeline.StartAsync("still", environment, args);
        try
        {
            await using var chromium = await HeadlessChromium.LaunchAsync();
            await using var context = await chromium.Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            var errors = RecordErrors(page);
            var urls = new List<string>();
            page.Request += (_, request) => urls.Add(request.Url);
            await page.GotoAsync(run.Http.BaseAddress + "");

            // A wrong token is refused and asked again; the right one opens the page.
            await page.WaitForSelectorAsync("#login:not([hidden])");
            await page.FillAsync("#token", "not-the-token-at-all");
            await page.ClickAsync("#login button");
            await page.WaitForSelectorAsync("#login-error:not([hidden])");
            await page.FillAsync("#token", token);
            await page.ClickAsync("#login button");
            await page.WaitForFunctionAsync("() => { const i = document.querySelector('.tile img'); return i && i.naturalWidth === 810; }", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            Assert.True(await page.Locator("#login").IsHiddenAsync());

            // Everything but the page's own files and /healthz still wants the token from anyone else.
            using (var anonymous = new HttpClient { BaseAddress = run.Http.BaseAddress })
            {
                foreach (string path in new[] { "/streams", "/events", "/metrics", "/streams/still/mjpeg", "/streams/still/snapshot.jpg?overlays=none" })
                {
                    using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                }

                using var forged = new HttpRequestMessage(HttpMethod.Get, "/streams");
                forged.Headers.Add("Cookie", "videomtl_session=forged");
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(forged)).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
            }

            // The server restarts on the same port (a new process: the old session is void). The page finds it
            // again by itself and signs in with the token it kept, without asking.
            // The page's open event stream and WebSocket end with the server: they do not hold the stop until the
            // host's 30 s shutdown timeout (they did).
            int port = run.Port;
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, (await run.StopAsync()).ExitCode);
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(25), $"the run took {stopping.Elapsed.TotalSeconds:0} s to stop with the page open");
            await run.DisposeAsync();
            await page.WaitForSelectorAsync("#connection[data-state='reconnecting']", new PageWaitForSelectorOptions { Timeout = 30_000 });
            run = await RunningPipeline.StartOnPortAsync(port, "still", environment, args);
            await page.WaitForSelectorAsync("#connection[data-state='live']", new PageWaitForSelectorOptions { Timeout = 60_000 });
            await run.WaitForMetricAsync(Viewers("still"), v => v == 1, token, seconds: 60);
            await page.WaitForFunctionAsync("() => document.querySelector('.tile img').naturalWidth === 810", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            Assert.True(await page.Locator("#login").IsHiddenAsync());

            Assert.NotEmpty(urls);
            Assert.DoesNotContain(urls, u => u.Contains(token, StringComparison.Ordinal));
            Assert.Empty(errors);
        }
        finally
        {
            await run.DisposeAsync();
        }
    }

    /// <summary>Makes the page see its tab hidden or shown, as the browser tells it when the user switches tabs.</summary>
    private static Task SetHiddenAsync(IPage page, bool hidden) => page.EvaluateAsync(
        """
        hidden => {
          Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
          Object.defineProperty(document, 'visibilityState', { value: hidden ? 'hidden' : 'visible', configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        }
        """, hidden);

    private static string Viewers(string stream) => $"videomtl_http_viewers{{stream=\"{stream}\"}}";

    /// <summary>
    /// Console errors and page exceptions, for a final assert: a Content-Security-Policy violation ("Refused to …")
    /// or a script error. Failed loads and WebSocket connections are not: the sign-in probe's 401 and the connections
    /// a server restart or a stopped camera cut are expected.
    /// </summary>
    private static List<string> RecordErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)
                && !message.Text.StartsWith("WebSocket connection to", StringComparison.Ordinal))
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        return errors;
    }

    /// <summary>A screenshot of the element once the image shows frames of its current source (a few frames in).</summary>
    private static async Task<byte[]> SettledScreenshotAsync(IPage page, ILocator image)
    {
        await page.WaitForFunctionAsync("() => { const i = document.getElementById('large-image'); return i.complete !== undefined && i.naturalWidth > 0; }");
        await Task.Delay(TimeSpan.FromSeconds(3));
        return await image.ScreenshotAsync();
    }

    private static double MeanDifference(byte[] a, byte[] b)
    {
        using var first = Cv2.ImDecode(a, ImreadModes.Color);
        using var second = Cv2.ImDecode(b, ImreadModes.Color);
        Assert.Equal(first.Size(), second.Size());
        using var difference = new Mat();
        Cv2.Absdiff(first, second, difference);
        var mean = Cv2.Mean(difference);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }
}
