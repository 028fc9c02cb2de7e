using System.Text.Json;
using VideoMtl.TestSupport;

namespace VideoMtl.Cli.Tests;

/// <summary>
/// Where <c>videomtl run</c> takes its settings from: the settings file, then <c>VIDEOMTL__</c> variables,
/// then flags (later wins), with mistakes in any of them named in one line.
/// </summary>
public sealed class RunSettingsTests : IClassFixture<InferCommandTests.BuiltModel>
{
    private readonly InferCommandTests.BuiltModel _model;

    public RunSettingsTests(InferCommandTests.BuiltModel model)
    {
        _model = model;
    }

    [Fact]
    public void A_settings_file_alone_runs_an_image_source_to_the_end()
    {
        using var work = new TemporaryDirectory();
        string output = Path.Combine(work.Path, "results");
        string config = WriteSettings(work, new { Sources = new[] { "bus=" + TestData.BusJpg }, Output = output, Model = _model.Path, Http = new { Port = 0 } });

        var (exit, stdout, stderr) = CliProcess.Run(null, "run", "--config", config);

        Assert.True(exit == 0, stderr);
        Assert.StartsWith("done: 1 frames", stdout, StringComparison.Ordinal);
        string line = Assert.Single(File.ReadAllLines(Path.Combine(output, "bus.ndjson")));
        using var json = JsonDocument.Parse(line);
        Assert.Equal("bus.jpg", json.RootElement.GetProperty("file").GetString());
        Assert.Contains(json.RootElement.GetProperty("objects").EnumerateArray(), o => o.GetProperty("class").GetString() == "bus");
        Assert.True(File.Exists(Path.Combine(output, "bus", "bus.jpg")), "the annotated image is written under OUT/<stream>/");
    }

    [Fact]
    public void Environment_overrides_the_file_and_flags_override_both()
    {
        using var work = new TemporaryDirectory();
        string config = WriteSettings(work, new { Sources = new[] { TestData.VtestAvi }, Output = work.Path, Model = _model.Path, MaxBatch = 0 });

        // Each layer sets an invalid value, so the error names the value of the layer that won.
        Assert.Contains("MaxBatch 0 is out of range", Fail(null, "run", "--config", config), StringComparison.Ordinal);
        var environment = new Dictionary<string, string?> { ["VIDEOMTL__MAXBATCH"] = "70" };
        Assert.Contains("MaxBatch 70 is out of range", Fail(environment, "run", "--config", config), StringComparison.Ordinal);
        Assert.Contains("MaxBatch 80 is out of range", Fail(environment, "run", "--config", config, "--max-batch", "80"), StringComparison.Ordinal);
        Assert.Contains("Http:Port 70000 is out of range", Fail(new Dictionary<string, string?> { ["VIDEOMTL__HTTP__PORT"] = "70000" }, "run", "--config", config, "--max-batch", "2"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"MaxBatch\": 2,", "is not valid JSON")]
    [InlineData("{\"MaxBatchSize\": 2}", "unknown setting 'MaxBatchSize'")]
    [InlineData("{\"Http\": {\"Prot\": 1}}", "unknown setting 'Http:Prot'")]
    [InlineData("{\"MaxBatch\": \"lots\"}", "'lots' at 'MaxBatch'")]
    [InlineData("{\"LogFormat\": \"xml\"}", "--log-format / LogFormat 'xml' is unknown: use text or json")]
    [InlineData("{\"Http\": {\"BearerToken\": \"short\"}}", "Http:BearerToken is too weak")]
    [InlineData("{\"Http\": {\"Address\": \"localhost:80\"}}", "Http:Address 'localhost:80' is not an IP address")]
    [InlineData("{\"Tracking\": {\"LostSecs\": 1}}", "unknown setting 'Tracking:LostSecs'")]
    [InlineData("{\"Tracking\": {\"LostSeconds\": -1}}", "Tracking:LostSeconds -1 is out of range: use 0..3600 seconds")]
    public void Mistakes_in_the_settings_file_are_named(string json, string expected)
    {
        using var work = new TemporaryDirectory();
        string config = Path.Combine(work.Path, "settings.json");
        File.WriteAllText(config, json);
        string error = Fail(null, "run", "--config", config, "--source", TestData.VtestAvi, "--model", _model.Path, "--out", work.Path);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tracking_settings_come_from_the_file_and_the_environment_and_the_flag_switches_tracking_off()
    {
        using var work = new TemporaryDirectory();
        string output = Path.Combine(work.Path, "results");
        // One image is one frame: with ConfirmHits 1 its objects have ids at once; with the default 2 they have none yet.
        string config = WriteSettings(work, new { Sources = new[] { "bus=" + TestData.BusJpg }, Output = output, Model = _model.Path, Http = new { Port = 0 }, Tracking = new { ConfirmHits = 1 } });
        List<JsonElement> TrackIds(IDictionary<string, string?>? environment, params string[] extra)
        {
            var (exit, _, stderr) = CliProcess.Run(environment, ["run", "--config", config, .. extra]);
            Assert.True(exit == 0, stderr);
            using var json = JsonDocument.Parse(File.ReadAllLines(Path.Combine(output, "bus.ndjson")).Single());
            return json.RootElement.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("track_id").Clone()).ToList();
        }

        var ids = TrackIds(null);
        Assert.NotEmpty(ids);
        Assert.Equal(Enumerable.Range(1, ids.Count), ids.Select(id => id.GetInt32()).Order());
        Assert.All(TrackIds(new Dictionary<string, string?> { ["VIDEOMTL__TRACKING__CONFIRMHITS"] = "2" }), id => Assert.Equal(JsonValueKind.Null, id.ValueKind));
        Assert.All(TrackIds(null, "--no-tracking"), id => Assert.Equal(JsonValueKind.Null, id.ValueKind));
    }

    [Fact]
    public void A_missing_settings_file_is_named()
    {
        Assert.StartsWith("error: --config /nonexistent/videomtl.json: file not found", Fail(null, "run", "--config", "/nonexistent/videomtl.json"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_settings_file_binds_and_matches_the_defaults()
    {
        // The repository's config/videomtl.json documents every key; it must stay loadable.
        string error = Fail(null, "run", "--config", Path.Combine(TestData.RepositoryRoot, "config", "videomtl.json"));
        Assert.StartsWith("error: no source given", error, StringComparison.Ordinal);
    }

    private static string WriteSettings(TemporaryDirectory work, object settings)
    {
        string path = Path.Combine(work.Path, "videomtl.json");
        File.WriteAllText(path, JsonSerializer.Serialize(settings));
        return path;
    }

    /// <summary>Runs, expects exit 1 with a one-line error and no stack trace, returns that line.</summary>
    private static string Fail(IDictionary<string, string?>? environment, params string[] args)
    {
        var (exit, _, stderr) = CliProcess.Run(environment, args);
        Assert.True(exit == 1, $"expected exit 1, got {exit}: {stderr}");
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        return stderr.Trim();
    }
}
