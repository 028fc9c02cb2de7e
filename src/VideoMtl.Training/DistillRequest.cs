namespace VideoMtl.Training;

/// <summary>What <c>model distill</c> is asked to do.</summary>
/// <param name="Segment">The segmentation export: the frozen trunk whose outputs stay exactly as they are.</param>
/// <param name="Pose">The pose export: the teacher, whose keypoint branch the student starts from.</param>
/// <param name="Data">Videos (their first 80%), images or folders of images to learn from; unlabeled.</param>
/// <param name="BatchSize">Anchors per step.</param>
/// <param name="Every">Take every Nth frame of a video.</param>
/// <param name="RandomViews">Random views (zoom, shift, colour, mirror) of each frame beside the frame and its mirror image.</param>
/// <param name="AnchorsPerPerson">Anchors trained per teacher person in a view: the segmentation head's best-scoring ones on it.</param>
/// <param name="Checkpoint">Where the branch is saved after every epoch and resumed from if present.</param>
public sealed record DistillRequest(
    string Segment, string Pose, IReadOnlyList<string> Data, string Output, int Epochs = 8, int BatchSize = 256, double LearningRate = 3e-4,
    int Seed = 1, int Every = 3, bool Mirror = true, int? MaxFramesPerSource = null, string? Checkpoint = null, int RandomViews = 1, int AnchorsPerPerson = 8)
{
    public void Validate()
    {
        if (Epochs is < 1 or > 1000 || BatchSize is < 1 or > 65536 || !(LearningRate is > 0 and < 1) || Every < 1 || MaxFramesPerSource is < 1
            || RandomViews is < 0 or > 16 || AnchorsPerPerson is < 1 or > 64)
        {
            throw new ArgumentException(
                $"out of range: --epochs {Epochs} (1..1000), --batch {BatchSize} (1..65536), --lr {LearningRate} (0..1), --every {Every} (1+), --max-frames {MaxFramesPerSource} (1+), --views {RandomViews} (0..16), --anchors {AnchorsPerPerson} (1..64)");
        }

        foreach (string model in new[] { Segment, Pose }.Where(m => !File.Exists(m)))
        {
            throw new FileNotFoundException($"{model}: model not found (give an Ultralytics ONNX export)", model);
        }

        if (Data.Count == 0)
        {
            throw new ArgumentException("no training data: give --data VIDEO|IMAGE|FOLDER (the shared media, or footage of your own cameras)");
        }
    }
}
