namespace RnnService.Engine.Optimizers;

/// <summary>
/// Adam (PyTorch torch.optim.Adam, no weight decay, no amsgrad), step t ≥ 1:
///   m = β1 m + (1 − β1) g;   v = β2 v + (1 − β2) g²
///   p −= (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly float[] _m, _v;
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    public Adam(int parameterCount, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : base(learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1));
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2));
        if (!(epsilon > 0) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon));
        Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon;
        _m = new float[parameterCount];
        _v = new float[parameterCount];
    }

    public override IReadOnlyList<float[]> StateBuffers => [_m, _v];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        Steps++;
        double bc1 = 1 - Math.Pow(Beta1, Steps);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        float stepSize = (float)(LearningRate / bc1);
        float invBc2Sqrt = (float)(1 / bc2Sqrt);
        float b1 = Beta1, b2 = Beta2, eps = Epsilon;
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            float m = _m[i] = b1 * _m[i] + (1 - b1) * g;
            float v = _v[i] = b2 * _v[i] + (1 - b2) * g * g;
            parameters[i] -= stepSize * m / (MathF.Sqrt(v) * invBc2Sqrt + eps);
        }
    }
}
