using RnnService.Engine.Models;

namespace RnnService.Engine.Tests.Reference;

/// <summary>
/// The engine's network written out naively in float64 on a <see cref="Tape"/>, straight from PyTorch's equations:
/// embedding rows, stacked LSTM (gates i, f, g, o) / GRU (r, z, n; b_hn inside the reset gate) / tanh RNN layers run over
/// each sequence's real steps only (a backward direction from its last real step, from zeros), pooling (last, mean, max
/// over real steps), the linear head, and BCE-with-logits (mean over the batch) or softmax cross-entropy (mean over the
/// positions whose target is not negative). Parameters are read by their state_dict names from the engine's layout.
/// </summary>
internal sealed class ReferenceNetwork
{
    private readonly Tape _tape;
    private readonly Dictionary<string, Var[]> _p;
    private readonly Architecture _arch;
    private readonly int _layers, _directions, _hidden, _embedding;
    private readonly Var _zero;

    public ReferenceNetwork(Tape tape, RecurrentNetwork shape, IReadOnlyDictionary<string, double[]> values)
    {
        _tape = tape;
        _arch = shape.Architecture;
        _layers = shape.LayerCount;
        _directions = shape.Directions;
        _hidden = shape.HiddenSize;
        _embedding = shape.EmbeddingSize;
        _p = values.ToDictionary(kv => kv.Key, kv => kv.Value.Select(tape.Leaf).ToArray());
        _zero = tape.Leaf(0);
    }

    /// <summary>The leaves of a parameter tensor (their gradients after <see cref="Tape.Backward"/>).</summary>
    public Var[] Parameter(string name) => _p[name];

    /// <summary>Mean BCE-with-logits of head(pool(top outputs)) against labels; tokens batch-first [B, T].</summary>
    public Var ClassifierLoss(int[] tokens, int t, int[] lengths, float[] labels, Pooling pooling)
    {
        int b = lengths.Length;
        var (outputs, finals) = Run(tokens, t, lengths, h0: null, c0: null);
        var losses = new List<Var>();
        for (int row = 0; row < b; row++)
        {
            var pooled = pooling switch
            {
                Pooling.Last => finals[row],
                Pooling.Mean => Enumerable.Range(0, outputs[row][0].Length)
                    .Select(j => Var.Sum(Enumerable.Range(0, lengths[row]).Select(s => outputs[row][s][j])) * (1.0 / lengths[row])).ToArray(),
                _ => Enumerable.Range(0, outputs[row][0].Length)
                    .Select(j => Enumerable.Range(0, lengths[row]).Select(s => outputs[row][s][j]).Aggregate((m, x) => x.Value > m.Value ? x : m)).ToArray(),
            };
            var z = Var.Dot(_p["head.weight"], pooled, _p["head.bias"][0]);
            losses.Add(z.Softplus() - z * labels[row]);   // log(1 + e^z) − y·z
        }
        return Var.Sum(losses) * (1.0 / b);
    }

    /// <summary>Mean softmax cross-entropy of head(y_top) at every position whose target [B, T] is not negative;
    /// h0/c0 [L, B, H] are the states entering the window (zeros when null).</summary>
    public Var LanguageModelLoss(int[] tokens, int[] targets, int t, int[] lengths, float[]? h0, float[]? c0)
    {
        var (outputs, _) = Run(tokens, t, lengths, h0, c0);
        var w = _p["head.weight"];
        var bias = _p["head.bias"];
        int v = bias.Length, h = outputs[0][0].Length;
        var losses = new List<Var>();
        for (int row = 0; row < lengths.Length; row++)
            for (int s = 0; s < lengths[row]; s++)
            {
                int target = targets[row * t + s];
                if (target < 0) continue;
                var logits = Enumerable.Range(0, v).Select(k => Var.Dot(w.AsSpan(k * h, h), outputs[row][s], bias[k])).ToArray();
                losses.Add(Var.Sum(logits.Select(z => z.Exp())).Log() - logits[target]);
            }
        return Var.Sum(losses) * (1.0 / losses.Count);
    }

    /// <summary>outputs[b][s] (D·H wide, real steps only) of the top layer, and each sequence's final top state as the
    /// classifier's "last" pooling reads it: [forward at its last real step, backward at its first].</summary>
    private (Var[][][] Outputs, Var[][] Finals) Run(int[] tokens, int t, int[] lengths, float[]? h0, float[]? c0)
    {
        int b = lengths.Length, e = _embedding;
        var input = new Var[b][][];
        for (int row = 0; row < b; row++)
            input[row] = Enumerable.Range(0, lengths[row]).Select(s => _p["embedding.weight"].AsSpan(tokens[row * t + s] * e, e).ToArray()).ToArray();
        var finals = new Var[b][];
        for (int l = 0; l < _layers; l++)
        {
            var output = new Var[b][][];
            for (int row = 0; row < b; row++)
            {
                output[row] = new Var[lengths[row]][];
                for (int s = 0; s < lengths[row]; s++) output[row][s] = new Var[_directions * _hidden];
                finals[row] = new Var[_directions * _hidden];
                for (int d = 0; d < _directions; d++)
                {
                    var h = State(h0, l, row, b);
                    var c = State(c0, l, row, b);
                    string suffix = $"_l{l}" + (d == 0 ? "" : "_reverse");
                    for (int n = 0; n < lengths[row]; n++)
                    {
                        int s = d == 0 ? n : lengths[row] - 1 - n;
                        (h, c) = Step(suffix, input[row][s], h, c);
                        h.CopyTo(output[row][s], d * _hidden);
                    }
                    h.CopyTo(finals[row], d * _hidden);
                }
            }
            input = output;
        }
        return (input, finals);
    }

    private Var[] State(float[]? states, int layer, int row, int b) => Enumerable.Range(0, _hidden)
        .Select(j => states is null ? _zero : _tape.Leaf(states[(layer * b + row) * _hidden + j])).ToArray();

    /// <summary>One time step of one direction of one layer: PyTorch's cell equations.</summary>
    private (Var[] H, Var[] C) Step(string suffix, Var[] x, Var[] h, Var[] c)
    {
        var wih = _p["rnn.weight_ih" + suffix];
        var whh = _p["rnn.weight_hh" + suffix];
        var bih = _p["rnn.bias_ih" + suffix];
        var bhh = _p["rnn.bias_hh" + suffix];
        int hs = _hidden, inWidth = x.Length;
        Var In(int k) => Var.Dot(wih.AsSpan(k * inWidth, inWidth), x, bih[k]);
        Var Rec(int k) => Var.Dot(whh.AsSpan(k * hs, hs), h, bhh[k]);
        var hNew = new Var[hs];
        var cNew = new Var[hs];
        for (int j = 0; j < hs; j++)
        {
            switch (_arch)
            {
                case Architecture.Lstm:
                    var i = (In(j) + Rec(j)).Sigmoid();
                    var f = (In(hs + j) + Rec(hs + j)).Sigmoid();
                    var g = (In(2 * hs + j) + Rec(2 * hs + j)).Tanh();
                    var o = (In(3 * hs + j) + Rec(3 * hs + j)).Sigmoid();
                    cNew[j] = f * c[j] + i * g;
                    hNew[j] = o * cNew[j].Tanh();
                    break;
                case Architecture.Gru:
                    var r = (In(j) + Rec(j)).Sigmoid();
                    var z = (In(hs + j) + Rec(hs + j)).Sigmoid();
                    var nn = (In(2 * hs + j) + r * Rec(2 * hs + j)).Tanh();
                    hNew[j] = (1.0 - z) * nn + z * h[j];
                    break;
                default:
                    hNew[j] = (In(j) + Rec(j)).Tanh();
                    break;
            }
        }
        return (hNew, _arch == Architecture.Lstm ? cNew : c);
    }
}
