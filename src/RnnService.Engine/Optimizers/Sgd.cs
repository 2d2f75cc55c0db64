namespace RnnService.Engine.Optimizers;

/// <summary>
/// SGD with optional momentum (PyTorch torch.optim.SGD, dampening 0, no Nesterov):
///   buf = momentum · buf + g   (buf = g on the first step);   p −= lr · buf
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float[] _velocity;
    public float Momentum { get; }

    public Sgd(int parameterCount, float learningRate, float momentum = 0) : base(learningRate)
    {
        if (!float.IsFinite(momentum) || momentum < 0 || momentum >= 1)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        Momentum = momentum;
        _velocity = momentum > 0 ? new float[parameterCount] : [];
    }

    public override IReadOnlyList<float[]> StateBuffers => [_velocity];

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        float lr = LearningRate;
        if (Momentum == 0)
        {
            for (int i = 0; i < parameters.Length; i++) parameters[i] -= lr * gradients[i];
        }
        else if (Steps == 0)
        {
            for (int i = 0; i < parameters.Length; i++) { _velocity[i] = gradients[i]; parameters[i] -= lr * _velocity[i]; }
        }
        else
        {
            float m = Momentum;
            for (int i = 0; i < parameters.Length; i++) { _velocity[i] = m * _velocity[i] + gradients[i]; parameters[i] -= lr * _velocity[i]; }
        }
        Steps++;
    }
}
