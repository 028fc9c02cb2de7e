namespace VideoMtl.Core.Model;

/// <summary>
/// Where one image's results are in a batch's outputs: its row among the batch's images, and its row in each
/// gated output (those have a row only for the images that asked for the task; -1: none for this image).
/// </summary>
public readonly record struct BatchPlace(int Image, int Batch, int SegmentRow, int SegmentRows, int PoseRow, int PoseRows)
{
    /// <summary>A batch where every image has every output (a model without gates, or every gate on for all rows).</summary>
    public static BatchPlace Whole(int image, int batch) => new(image, batch, image, batch, image, batch);
}
