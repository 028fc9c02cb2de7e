using VideoMtl.ModelTools;
using VideoMtl.TestSupport;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools.Tests;

/// <summary>Builds the multi-task model from the shared exports once for every test class that needs it.</summary>
public sealed class BuiltModelFixture : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public BuiltModelFixture()
    {
        Path = _directory.File("mt.onnx");
        Result = CompositeModel.Build(Path);
        Model = Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path));
        Ungated = Model.Clone();
        TaskGates.Inline(Ungated.Graph);
    }

    public string Path { get; }

    public ModelBuildResult Result { get; }

    internal Proto.ModelProto Model { get; }

    /// <summary>The built model with its task gates inlined: the graph the builder's surgery made (the gates have their own tests).</summary>
    internal Proto.ModelProto Ungated { get; }

    public void Dispose() => _directory.Dispose();
}

/// <summary>The test classes sharing one built model (built once, ~5 s).</summary>
[CollectionDefinition(Name)]
public sealed class BuiltModelCollection : ICollectionFixture<BuiltModelFixture>
{
    public const string Name = "built model";
}
