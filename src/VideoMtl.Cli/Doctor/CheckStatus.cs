namespace VideoMtl.Cli.Doctor;

/// <summary>Outcome of one doctor check; only <see cref="Fail"/> makes the pipeline unable to run.</summary>
internal enum CheckStatus
{
    Ok,
    Info,
    Warning,
    Fail,
}
