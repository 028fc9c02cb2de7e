namespace VideoMtl.Training;

/// <summary>Where training stands after a step: for a progress bar with the loss and the time left.</summary>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, double Oks, TimeSpan Left);
