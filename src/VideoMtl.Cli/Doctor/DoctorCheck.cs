namespace VideoMtl.Cli.Doctor;

/// <summary>One line of the doctor report; <paramref name="Fix"/> says what to do when it is not OK.</summary>
internal sealed record DoctorCheck(string Name, CheckStatus Status, string Detail, string? Fix = null);
