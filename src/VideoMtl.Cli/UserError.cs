namespace VideoMtl.Cli;

/// <summary>A failure caused by the user's input or machine; printed as one line with its fix, exit code 1.</summary>
internal sealed class UserError : Exception
{
    public UserError(string message)
        : base(message)
    {
    }

    public UserError()
    {
    }

    public UserError(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
