namespace VideoMtl.Training;

/// <summary>What <c>model distill</c> is asked to do.</summary>
/// <param name="Segment">The segmentation export: the frozen trunk whose outputs stay exactly as they are.</param>
/// <param name="Pose">The pose export: the teacher, whose head is reused on the adapted features.</param>
/// <param name="Data">Videos (their first 80%), images or folders of images to learn from; unlabeled.</param>
/// <param name="Every">Take every Nth frame of a video.</param>
/// <param name="Checkpoint">Where the adapters are saved after every epoch and resumed from if present.</param>
public sealed record DistillRequest(
    string Segment, string Pose, IReadOnlyList<string> Data, string Output, int Epochs = 8, int BatchSize = 4, double LearningRate = 2e-3,
    int Seed = 1, int Every = 2, bool Mirror = true, int? MaxFramesPerSource = null, string? Checkpoint = null)
{
    public void Validate()
    {
        if (Epochs is < 1 or > 1000 || BatchSize is < 1 or > 256 || !(LearningRate is > 0 and < 1) || Every < 1 || MaxFramesPerSource is < 1)
        {
            throw new ArgumentException($"out of range: --epochs {Epochs} (1..1000), --batch {BatchSize} (1..256), --lr {LearningRate} (0..1), --every {Every} (1+), --max-frames {MaxFramesPerSource} (1+)");
        }

        if (Data.Count == 0)
        {
            throw new ArgumentException("no training data: give --data VIDEO|IMAGE|FOLDER (the shared media, or footage of your own cameras)");
        }
    }
}
