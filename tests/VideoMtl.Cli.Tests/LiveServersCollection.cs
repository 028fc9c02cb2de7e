namespace VideoMtl.Cli.Tests;

/// <summary>
/// Tests that run the pipeline against live servers on a real-time clock (reconnect within 10 s, frames in
/// every sampling interval). xUnit runs this collection alone, after the others: another test's pipeline
/// competing for the two cores would turn their deadlines into a measure of the machine, not of VideoMtl.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveServersCollection
{
    public const string Name = "live servers";
}
