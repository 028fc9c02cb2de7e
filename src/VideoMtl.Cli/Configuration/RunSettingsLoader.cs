using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace VideoMtl.Cli.Configuration;

/// <summary>
/// Reads <see cref="RunSettings"/> from the settings file and <c>VIDEOMTL__</c> environment variables
/// (<c>VIDEOMTL__MAXBATCH=2</c>, <c>VIDEOMTL__HTTP__PORT=9000</c>, <c>VIDEOMTL__SOURCES__0=cam=...</c>).
/// Unknown keys and values of the wrong type are errors that name the key: a typo must not be ignored.
/// </summary>
internal static partial class RunSettingsLoader
{
    public const string EnvironmentPrefix = "VIDEOMTL__";

    public const string DefaultFile = "config/videomtl.json";

    /// <param name="explicitFile">--config; null: config/videomtl.json in the working directory, else in the installation, if present.</param>
    public static (RunSettings Settings, string? File) Load(string? explicitFile)
    {
        string? file = explicitFile ?? FindDefaultFile();
        if (explicitFile is not null && !File.Exists(explicitFile))
        {
            throw new UserError($"--config {explicitFile}: file not found; give an existing JSON settings file (see config/videomtl.json)");
        }

        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (InvalidDataException e)
        {
            string detail = e.Message;
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is JsonException json)
                {
                    detail = json.Message;
                    break;
                }
            }

            throw new UserError($"settings file {file} is not valid JSON ({detail.Split(". Path:", 2)[0].TrimEnd('.')}); fix the file or pass another with --config", e);
        }

        try
        {
            return (configuration.Get<RunSettings>(o => o.ErrorOnUnknownConfiguration = true) ?? new RunSettings(), file);
        }
        catch (InvalidOperationException e)
        {
            var unknown = UnknownKeys().Match(e.Message);
            string problem = unknown.Success
                ? $"unknown setting {string.Join(", ", unknown.Groups["keys"].Value.Split(", ").Select(k => $"'{SectionOf(unknown.Groups["type"].Value)}{k.Trim('\'')}'"))}"
                : e.Message.Split(Environment.NewLine)[0].TrimEnd('.');
            throw new UserError($"{problem} in {Describe(file)}: see config/videomtl.json for the keys and their types", e);
        }
    }

    private static string SectionOf(string type) => type switch
    {
        nameof(HttpSettings) => "Http:",
        nameof(ReconnectSettings) => "Reconnect:",
        nameof(RedisSettings) => "Redis:",
        nameof(ClusterSettings) => "Cluster:",
        nameof(GateSettings) => "Gate:",
        nameof(Core.Tracking.TrackerOptions) => "Tracking:",
        _ => string.Empty,
    };

    private static string Describe(string? file) => file is null ? $"{EnvironmentPrefix}* variables" : $"{file} or {EnvironmentPrefix}* variables";

    [GeneratedRegex(@"not found on the instance of [\w.]*?(?<type>\w+): (?<keys>.+)$")]
    private static partial Regex UnknownKeys();

    private static string? FindDefaultFile()
    {
        if (File.Exists(DefaultFile))
        {
            return DefaultFile;
        }

        string installed = Path.Combine(RepositoryPaths.Root, DefaultFile);
        return File.Exists(installed) ? installed : null;
    }
}
