namespace RnnService.Engine.Training;

/// <summary>What a training run would cost, before it runs.</summary>
/// <param name="ParameterCount">Exact, for this data's vocabulary.</param>
/// <param name="MemoryBytes">Upper estimate of the working set: weights, gradients, optimizer state, and one batch's
/// saved activations at full sequence length.</param>
/// <param name="SecondsPerEpoch">The fastest warm epoch timed on a slice of the data (about a second of training), scaled to the
/// whole training set; validation included.</param>
/// <param name="TimedExamples">How many examples (sentiment texts, lines, or characters of a continuous text) the slice had.</param>
public sealed record TrainingEstimate(long ParameterCount, long MemoryBytes, double SecondsPerEpoch, int TimedExamples);
