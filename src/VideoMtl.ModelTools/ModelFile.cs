namespace VideoMtl.ModelTools;

/// <summary>Writing a model where the pipeline will load it.</summary>
public static class ModelFile
{
    /// <summary>
    /// Writes next to the target and moves into place: a failed or interrupted write never leaves a truncated
    /// model where the pipeline would pick it up.
    /// </summary>
    public static void WriteWhole(string path, byte[] model)
    {
        string temporary = path + ".partial";
        File.WriteAllBytes(temporary, model);
        File.Move(temporary, path, overwrite: true);
    }
}
