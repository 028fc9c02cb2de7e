using OpenCvSharp;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>The HTTP side of <c>videomtl run</c>, through a real HTTP client against the real process.</summary>
public sealed class StatusServerTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public StatusServerTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public async Task Serves_metrics_streams_health_and_preview_while_running()
    {
        using var output = new TemporaryDirectory();
        await using var run = await RunningPipeline.StartAsync("cam", null, "run", "--source", "cam=" + TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--no-video", "--tasks", "pose");
        var http = run.Http;
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("# TYPE videomtl_frames_processed_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE videomtl_stage_duration_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Contains("videomtl_stream_up{stream=\"cam\"} 1", metrics, StringComparison.Ordinal);

        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
        using var streams = JsonDocument.Parse(await http.GetStringAsync(new Uri("/streams", UriKind.Relative)));
        var stream = Assert.Single(streams.RootElement.EnumerateArray().ToList());
        Assert.Equal("cam", stream.GetProperty("name").GetString());
        Assert.Equal("up", stream.GetProperty("state").GetString());
        Assert.Equal(["detect", "pose"], stream.GetProperty("tasks").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(768, stream.GetProperty("width").GetInt32());
        Assert.True(stream.GetProperty("processed").GetInt64() > 0);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/nothing", UriKind.Relative))).StatusCode);

        // Snapshot: a whole 768x576 JPEG of an annotated frame.
        // 503 only until the stream's first encoded frame; on a loaded machine a batch can take seconds.
        var snapshot = await http.GetAsync(new Uri("/streams/cam/snapshot.jpg", UriKind.Relative));
        for (int attempt = 0; attempt < 6 && snapshot.StatusCode == HttpStatusCode.ServiceUnavailable; attempt++)
        {
            snapshot.Dispose();
            snapshot = await http.GetAsync(new Uri("/streams/cam/snapshot.jpg", UriKind.Relative));
        }

        using var _ = snapshot;
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        Assert.Equal("image/jpeg", snapshot.Content.Headers.ContentType!.MediaType);
        byte[] jpeg = await snapshot.Content.ReadAsByteArrayAsync();
        AssertDecodesAsJpeg(jpeg, 768, 576);

        // MJPEG: several distinct, consecutive frames as multipart parts.
        var parts = await ReadMjpegPartsAsync(http, "/streams/cam/mjpeg", 3);
        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => AssertDecodesAsJpeg(p.Jpeg, 768, 576));
        Assert.True(parts[0].FrameIndex < parts[1].FrameIndex && parts[1].FrameIndex < parts[2].FrameIndex, "MJPEG frames must advance");

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/streams/other/mjpeg", UriKind.Relative))).StatusCode);

        // A view with chosen overlays: a JPEG of the same size; an unknown overlay name is a 400 that names it.
        using var plain = await http.GetAsync(new Uri("/streams/cam/snapshot.jpg?overlays=none", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        AssertDecodesAsJpeg(await plain.Content.ReadAsByteArrayAsync(), 768, 576);
        using var unknown = await http.GetAsync(new Uri("/streams/cam/mjpeg?overlays=boxes,halos", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("overlays 'boxes,halos'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The live view: the page under a strict Content-Security-Policy, and its events carry every stream's figures.
        using var page = await http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        string policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("/ui/app.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var events = await http.GetAsync(new Uri("/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("data: ", StringComparison.Ordinal))
        {
        }

        using var figures = JsonDocument.Parse(line!["data: ".Length..]);
        var cam = Assert.Single(figures.RootElement.EnumerateArray().ToList());
        Assert.Equal("cam", cam.GetProperty("name").GetString());
        Assert.True(cam.GetProperty("objects").GetInt32() >= 0);
        Assert.True(cam.GetProperty("latency_p99_ms").GetDouble() >= cam.GetProperty("latency_p50_ms").GetDouble());

        // The tiles' WebSocket: a watch list in, frames tagged with their stream out; only for this server's own page.
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("/previews", UriKind.Relative))).StatusCode);
        var socketUri = new Uri($"ws://127.0.0.1:{run.Port}/previews");
        using (var foreign = new ClientWebSocket())
        {
            foreign.Options.SetRequestHeader("Origin", "http://evil.example");
            var refused = await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(socketUri, CancellationToken.None));
            Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        }

        using var socket = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(socketUri, deadline.Token);
        await socket.SendAsync("{\"watch\":[\"cam\",\"nonexistent\"]}"u8.ToArray(), WebSocketMessageType.Text, true, deadline.Token);
        using var message = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        WebSocketReceiveResult part;
        do
        {
            part = await socket.ReceiveAsync(buffer, deadline.Token);
            message.Write(buffer, 0, part.Count);
        }
        while (!part.EndOfMessage);

        byte[] tagged = message.ToArray();
        Assert.Equal(WebSocketMessageType.Binary, part.MessageType);
        Assert.Equal("cam", System.Text.Encoding.UTF8.GetString(tagged, 1, tagged[0]));
        AssertDecodesAsJpeg(tagged[(1 + tagged[0])..], 768, 576);
        // This socket is the one viewer once the server has noticed the MJPEG clients above leave.
        await run.WaitForMetricAsync("videomtl_http_viewers{stream=\"cam\"}", v => v == 1, seconds: 10);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, deadline.Token);
        await run.WaitForMetricAsync("videomtl_http_viewers{stream=\"cam\"}", v => v == 0, seconds: 10);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/streams/..%2F..%2Fetc/snapshot.jpg", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_bearer_token_guards_everything_but_healthz()
    {
        const string token = "test-token-0123456789abcdef";
        using var output = new TemporaryDirectory();
        await using var run = await RunningPipeline.StartAsync(
            "cam", new Dictionary<string, string?> { ["VIDEOMTL__HTTP__BEARERTOKEN"] = token },
            "run", "--source", "cam=" + TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--no-video");
        var http = run.Http;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        foreach (string path in new[] { "/metrics", "/streams", "/readyz", "/streams/cam/snapshot.jpg", "/streams/cam/mjpeg", "/events", "/streams/cam/mjpeg?overlays=none" })
        {
            using var anonymous = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            using (var reason = System.Text.Json.JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()))
            {
                Assert.StartsWith("unauthorized", reason.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
            }

            using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token + "x") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }

        using var right = new HttpRequestMessage(HttpMethod.Get, "/streams") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var answer = await http.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"cam\"", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The web page's files hold no data: public, so the page can load and ask for the token.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/ui/app.js", UriKind.Relative))).StatusCode);

        // POST /session trades the token for a cookie that opens the rest (what the page's images and events use).
        using var anonymousSession = await http.PostAsync(new Uri("/session", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousSession.StatusCode);
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/session") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var session = await http.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        string cookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token, cookie, StringComparison.Ordinal);
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/streams");
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withCookie)).StatusCode);
    }

    [Fact]
    public async Task Errors_with_a_body_are_one_line_of_json()
    {
        using var output = new TemporaryDirectory();
        // A camera nobody serves: it never delivers a frame, so its snapshot has none to give.
        string dead = $"rtsp://127.0.0.1:{LoopbackPorts.Free()}/none";
        await using var run = await RunningPipeline.StartAsync(
            "cam", null, "run", "--source", "cam=" + TestData.VtestAvi, "--source", "dead=" + dead, "--out", output.Path, "--model", _model.Path, "--no-video", "--loop");
        foreach (var (path, status, start) in new[]
        {
            ("/streams/dead/snapshot.jpg", HttpStatusCode.ServiceUnavailable, "no frame yet"),
            ("/streams/nobody/snapshot.jpg", HttpStatusCode.NotFound, "no stream named 'nobody'"),
            ("/streams/cam/mjpeg?overlays=sparkles", HttpStatusCode.BadRequest, "overlays 'sparkles'"),
            ("/cluster", HttpStatusCode.NotFound, "this instance is not in a cluster"),
        })
        {
            using var response = await run.Http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            string body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain('\n', body.TrimEnd());
            using var json = JsonDocument.Parse(body);
            Assert.StartsWith(start, json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Preview_clients_that_never_read_hold_up_nothing()
    {
        using var output = new TemporaryDirectory();
        await using var run = await RunningPipeline.StartAsync("cam", null, "run", "--source", "cam=" + TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--no-video");
        // Three clients ask for the MJPEG stream and never read a byte: the server's send buffers fill up.
        var stalled = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, run.Port);
                await client.GetStream().WriteAsync("GET /streams/cam/mjpeg HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
                stalled.Add(client);
            }

            double before = RunningPipeline.Value(await run.MetricsAsync(), "videomtl_frames_processed_total{stream=\"cam\"}")!.Value;
            // Frames keep flowing and other requests are answered while the stalled clients sit there.
            await run.WaitForMetricAsync("videomtl_frames_processed_total{stream=\"cam\"}", v => v >= before + 30, seconds: 60);
            Assert.Equal("ok", (await run.Http.GetStringAsync("/healthz")).Trim());
        }
        finally
        {
            stalled.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void A_port_in_use_is_one_clear_line()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        using var output = new TemporaryDirectory();
        var (exit, _, stderr) = CliProcess.Run(null, "run", "--source", TestData.VtestAvi, "--out", output.Path, "--model", _model.Path, "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, exit);
        Assert.Contains($"error: --http-port {port}: cannot listen on 127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    /// <summary>Decodes the JPEG with OpenCV (through the CLI's own binding) and checks its size.</summary>
    private static void AssertDecodesAsJpeg(byte[] jpeg, int width, int height)
    {
        Assert.True(jpeg.Length > 1000 && jpeg[0] == 0xFF && jpeg[1] == 0xD8 && jpeg[^2] == 0xFF && jpeg[^1] == 0xD9, "not a whole JPEG (SOI..EOI)");
        using var dir = new TemporaryDirectory();
        string file = Path.Combine(dir.Path, "frame.jpg");
        File.WriteAllBytes(file, jpeg);
        using var image = Vision.ImageFile.Read(file);
        Assert.Equal((width, height), (image.Width, image.Height));
    }

    /// <summary>Reads <paramref name="count"/> parts of a multipart/x-mixed-replace response by their Content-Length.</summary>
    private static async Task<List<(long FrameIndex, byte[] Jpeg)>> ReadMjpegPartsAsync(HttpClient http, string path, int count)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("multipart/x-mixed-replace", response.Content.Headers.ContentType!.MediaType);
        string boundary = response.Content.Headers.ContentType.Parameters.Single(p => p.Name == "boundary").Value!;
        await using var body = await response.Content.ReadAsStreamAsync();
        var parts = new List<(long, byte[])>();
        while (parts.Count < count)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string first = await ReadLineAsync(body);
            Assert.Equal("--" + boundary, first);
            for (string line = await ReadLineAsync(body); line.Length > 0; line = await ReadLineAsync(body))
            {
                var (name, value) = (line[..line.IndexOf(':', StringComparison.Ordinal)], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                headers[name] = value;
            }

            Assert.Equal("image/jpeg", headers["Content-Type"]);
            byte[] jpeg = new byte[int.Parse(headers["Content-Length"], System.Globalization.CultureInfo.InvariantCulture)];
            await body.ReadExactlyAsync(jpeg);
            Assert.Equal(string.Empty, await ReadLineAsync(body));
            parts.Add((long.Parse(headers["X-Frame-Index"], System.Globalization.CultureInfo.InvariantCulture), jpeg));
        }

        return parts;
    }

    private static async Task<string> ReadLineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        byte[] one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one);
            if (one[0] == '\n')
            {
                return System.Text.Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            }

            bytes.Add(one[0]);
        }
    }
}
