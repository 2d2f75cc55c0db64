using System.Runtime.CompilerServices;
using RnnService.Engine.Core;
using RnnService.Engine.Kernels;

namespace RnnService.Engine.Layers;

/// <summary>
/// Fully connected layer (PyTorch nn.Linear), weight [O, I], bias [O]:
///   forward   Y[N, O] = X[N, I] · Wᵀ + b
///   backward  dW += dYᵀ · X;  db += Σ_n dY[n];  dX = dY · W
/// </summary>
public sealed class Linear
{
    private readonly ParameterSet _p;
    private readonly PackedMatrix _wT;     // op(B) = Wᵀ [I, O], packed once per weight version
    private int _packedVersion = -1;
    public ParameterSlice Weight { get; }
    public ParameterSlice Bias { get; }
    public int InputSize { get; }
    public int OutputSize { get; }

    public Linear(ParameterSet parameters, string prefix, int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        _p = parameters;
        InputSize = inputSize;
        OutputSize = outputSize;
        Weight = parameters.Add($"{prefix}weight", outputSize, inputSize);
        Bias = parameters.Add($"{prefix}bias", outputSize);
        _wT = new PackedMatrix(inputSize, outputSize);
    }

    /// <summary>PyTorch's initialisation (kaiming-uniform with a = sqrt 5): weight and bias uniform in ±1/sqrt(I).</summary>
    public void Initialize(Rng rng)
    {
        float k = 1f / MathF.Sqrt(InputSize);
        rng.FillUniform(_p.Value(Weight), -k, k);
        rng.FillUniform(_p.Value(Bias), -k, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        if (_packedVersion != _p.Version)
        {
            _wT.Pack(transB: true, _p.Value(Weight), InputSize);
            _packedVersion = _p.Version;
        }
        Sgemm.Multiply(n, x, InputSize, _wT, y, OutputSize, accumulate: false);
        var bias = _p.Value(Bias);
        for (int r = 0; r < n; r++)
        {
            var row = y.Slice(r * OutputSize, OutputSize);
            RowOps.Add(row, bias, row);
        }
    }

    /// <summary>Adds parameter gradients; writes dx [N, I] unless it is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int n, Span<float> dx)
    {
        Sgemm.Multiply(true, false, OutputSize, InputSize, n, dy, OutputSize, x, InputSize, _p.Grad(Weight), InputSize, accumulate: true);
        var db = _p.Grad(Bias);
        for (int r = 0; r < n; r++) RowOps.Add(db, dy.Slice(r * OutputSize, OutputSize), db);
        if (!dx.IsEmpty)
            Sgemm.Multiply(false, false, n, InputSize, OutputSize, dy, OutputSize, _p.Value(Weight), InputSize, dx, InputSize, accumulate: false);
    }
}
