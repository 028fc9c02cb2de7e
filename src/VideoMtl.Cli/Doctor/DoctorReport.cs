using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoMtl.Cli.Doctor;

/// <summary>The checks in order; ready when none failed.</summary>
internal sealed record DoctorReport(IReadOnlyList<DoctorCheck> Checks)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public bool Ready => Checks.All(c => c.Status != CheckStatus.Fail);

    public void WriteText(TextWriter output)
    {
        output.WriteLine("VideoMtl doctor");
        int width = Checks.Max(c => c.Name.Length);
        foreach (var check in Checks)
        {
            string tag = check.Status switch
            {
                CheckStatus.Ok => "ok  ",
                CheckStatus.Info => "info",
                CheckStatus.Warning => "warn",
                _ => "FAIL",
            };
            output.WriteLine($"  {tag}  {check.Name.PadRight(width)}  {check.Detail}");
            if (check.Fix is not null && check.Status != CheckStatus.Ok)
            {
                output.WriteLine($"        {new string(' ', width)}  fix: {check.Fix}");
            }
        }

        output.WriteLine(Ready ? "ready: the pipeline can run" : "not ready: see the FAIL lines above");
    }

    public void WriteJson(TextWriter output) =>
        output.WriteLine(JsonSerializer.Serialize(new { ready = Ready, checks = Checks }, JsonOptions));
}
