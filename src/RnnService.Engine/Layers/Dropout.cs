using RnnService.Engine.Core;

namespace RnnService.Engine.Layers;

/// <summary>
/// Inverted dropout between stacked recurrent layers (as nn.LSTM's dropout argument):
///   training: y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p);   evaluation: y = x;   dx = dy ⊙ m / (1 − p)
/// </summary>
public sealed class Dropout(float probability)
{
    private float[] _scale = [];
    public float Probability { get; } = probability is >= 0 and < 1 ? probability
        : throw new ArgumentOutOfRangeException(nameof(probability), "Dropout must be in [0, 1).");

    public void Forward(Span<float> x, Rng rng)
    {
        if (_scale.Length < x.Length) _scale = new float[x.Length];
        float keep = 1 / (1 - Probability);
        for (int i = 0; i < x.Length; i++)
        {
            _scale[i] = rng.NextFloat() < Probability ? 0f : keep;
            x[i] *= _scale[i];
        }
    }

    public void Backward(Span<float> dx)
    {
        System.Numerics.Tensors.TensorPrimitives.Multiply(dx, _scale.AsSpan(0, dx.Length), dx);
    }
}
