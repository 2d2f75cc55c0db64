using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Training;

/// <summary>What differs between tasks: how data is tokenized, batched and scored.</summary>
internal abstract class TrainingTask(Hyperparameters hyperparameters)
{
    protected Hyperparameters Hp { get; } = hyperparameters;

    public abstract ModelConfig CreateConfig(Architecture architecture);
    public abstract bool HasValidation { get; }

    /// <summary>One pass over the training data in seeded mini-batches; returns mean loss and accuracy (if any).</summary>
    public abstract (double Loss, double? Accuracy) TrainEpoch(RecurrentNetwork network, Optimizer optimizer, Rng rng, CancellationToken cancellationToken);

    public abstract (double Loss, double? Accuracy) Evaluate(RecurrentNetwork network);

    /// <summary>After a backward pass: clip, update, and tell the layers the weights changed.</summary>
    protected void ApplyGradients(RecurrentNetwork network, Optimizer optimizer, float loss)
    {
        if (!float.IsFinite(loss))
            throw new TrainingDivergedException($"The training loss became {loss}; try a lower learning rate or gradient clipping.");
        network.Step(optimizer, Hp.ClipNorm);
    }

    /// <summary>
    /// A reproducible hold-out split of n items that does not depend on training state (same seed, same
    /// split, also after a resume). Returns (train indices, validation indices) in their original order.
    /// </summary>
    internal static (int[] Train, int[] Validation) Split(int n, float fraction, int seed)
    {
        int validation = fraction > 0 && n >= 2 ? Math.Clamp((int)Math.Round(n * fraction), 1, n - 1) : 0;
        var order = Enumerable.Range(0, n).ToArray();
        new Rng(seed ^ 0x5EED5EEDL).Shuffle(order);
        var val = order[..validation];
        var train = order[validation..];
        Array.Sort(val);
        Array.Sort(train);
        return (train, val);
    }
}
