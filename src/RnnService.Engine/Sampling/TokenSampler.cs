using RnnService.Engine.Core;

namespace RnnService.Engine.Sampling;

/// <summary>
/// Picks the next token from logits: p ∝ exp(z / temperature) over allowed tokens, restricted to
/// the k most likely (top-k) and then to the smallest set whose mass reaches topP (nucleus).
/// Temperature 0 takes the argmax.
/// </summary>
public sealed class TokenSampler(int vocabulary)
{
    private readonly float[] _probs = new float[vocabulary];
    private readonly int[] _order = new int[vocabulary];
    private ByProbability? _byProbability;   // created once, so sampling allocates nothing per token

    /// <summary>Softmax of logits over allowed tokens (others get 0) into probabilities.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, ReadOnlySpan<bool> allowed, float temperature, Span<float> probabilities)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++) if (allowed[i] && logits[i] > max) max = logits[i];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float p = allowed[i] ? MathF.Exp((logits[i] - max) / temperature) : 0f;
            probabilities[i] = p;
            sum += p;
        }
        float inv = (float)(1 / sum);
        for (int i = 0; i < logits.Length; i++) probabilities[i] *= inv;
    }

    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<bool> allowed, float temperature, int topK, float topP, Rng rng)
    {
        int v = logits.Length;
        if (temperature == 0)
        {
            int best = -1;
            for (int i = 0; i < v; i++) if (allowed[i] && (best < 0 || logits[i] > logits[best])) best = i;
            return best;
        }
        var probs = _probs.AsSpan(0, v);
        Softmax(logits, allowed, temperature, probs);
        int candidates = 0;
        for (int i = 0; i < v; i++) if (probs[i] > 0) _order[candidates++] = i;
        var order = _order.AsSpan(0, candidates);
        // Most likely first; ties by index so a seed always gives the same text.
        order.Sort(_byProbability ??= new ByProbability(_probs));
        int keep = topK > 0 ? Math.Min(topK, candidates) : candidates;
        if (topP < 1)
        {
            double mass = 0;
            for (int i = 0; i < keep; i++)
            {
                mass += probs[order[i]];
                if (mass >= topP) { keep = i + 1; break; }
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) total += probs[order[i]];
        double u = rng.NextDouble() * total;
        for (int i = 0; i < keep; i++)
        {
            u -= probs[order[i]];
            if (u < 0) return order[i];
        }
        return order[keep - 1];
    }

    /// <summary>Advances the stream as <see cref="Sample"/> would (one draw unless greedy), for a sample that has ended beside
    /// others still drawing from the same stream.</summary>
    public static void SkipDraw(float temperature, Rng rng)
    {
        if (temperature != 0) rng.NextDouble();
    }

    /// <summary>Most likely first; ties by index (a total order, so the sorted order is unique).</summary>
    private sealed class ByProbability(float[] p) : IComparer<int>
    {
        public int Compare(int a, int b) => p[b] != p[a] ? p[b].CompareTo(p[a]) : a.CompareTo(b);
    }
}
