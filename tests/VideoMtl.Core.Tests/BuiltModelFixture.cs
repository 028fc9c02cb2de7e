using VideoMtl.TestSupport;

namespace VideoMtl.Core.Tests;

/// <summary>The composite model, built once for the test classes that run it (~5 s).</summary>
public sealed class BuiltModelFixture : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public BuiltModelFixture()
    {
        Path = _directory.File("mt.onnx");
        CompositeModel.Build(Path);
    }

    public string Path { get; }

    public void Dispose() => _directory.Dispose();
}

/// <summary>The test classes sharing one built model.</summary>
[CollectionDefinition(Name)]
public sealed class BuiltModelCollection : ICollectionFixture<BuiltModelFixture>
{
    public const string Name = "built model";
}
