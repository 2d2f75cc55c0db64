using RnnService.Engine.Layers;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Models;

/// <summary>A char model's reading of one text: its perplexity (as <see cref="CharLanguageModel.Perplexity"/>) and the likeliest
/// next characters after it (as <see cref="CharLanguageModel.NextCharacters"/>).</summary>
public sealed record TextPrediction(double Perplexity, IReadOnlyList<NextCharacter> NextCharacters);

/// <summary>Reading texts (scoring, perplexity), many at once: the texts of a batch run through the network as one padded batch.</summary>
public sealed partial class CharLanguageModel
{
    /// <summary>Texts read together at most: bounds the logits a window holds ([256, 64, V]).</summary>
    private const int MaxReadRows = 64;
    private const int ReadWindow = 256;

    private delegate void PositionReader(int row, int position, ReadOnlySpan<float> logits);

    /// <summary>Per-character perplexity exp(mean −log p) of a text (over every character the model can meet, unlike <see cref="Score(string, int, CancellationToken)"/>):
    /// for line models every character and the end marker given &lt;bos&gt;; for continuous models every character after the first.</summary>
    public double Perplexity(string text) => Predict([new BatchText(text)], top: 1)[0]!.Perplexity;

    /// <summary>Each text's perplexity and its top next characters, from one pass over the text (the end marker's prediction
    /// is the next-character one of a line model). Null for a text whose token was cancelled. ArgumentException for a text
    /// the model cannot score (<see cref="TextError"/>).</summary>
    public IReadOnlyList<TextPrediction?> Predict(IReadOnlyList<BatchText> texts, int top)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        // The context each text conditions on; every position but a continuous model's last has the next one as its target.
        var contexts = texts.Select(t => Readable(t.Text, withMarkers: false)).ToList();
        var loss = new double[texts.Count];
        var results = new TextPrediction?[texts.Count];
        var probs = new float[_tokenizer.Count];
        Read(contexts, texts, (row, position, logits) =>
        {
            var context = contexts[row];
            bool last = position == context.Length - 1;
            if (!last || LineMode) loss[row] += Losses.SoftmaxCrossEntropy(logits, logits.Length, [last ? EndId : context[position + 1]], default).Loss;
            if (!last) return;
            TokenSampler.Softmax(logits, _allowed, 1f, probs);
            results[row] = new TextPrediction(Math.Exp(loss[row] / (LineMode ? context.Length : context.Length - 1)), Top(probs, top));
        });
        return Cancelled(texts, results);
    }

    /// <summary>
    /// Every position of a text under the same next-character distribution as <see cref="NextCharacters"/> and generation
    /// (softmax over the characters that can be generated): for line models each character and the end marker given
    /// &lt;bos&gt; and what precedes it; for continuous models every character after the first. Runs in windows of 256
    /// steps carrying the state, checking the token between windows (OperationCanceledException).
    /// </summary>
    public IReadOnlyList<ScoredCharacter> Score(string text, int top, CancellationToken cancellationToken = default) =>
        Score([new BatchText(text, cancellationToken)], top)[0] ?? throw new OperationCanceledException(cancellationToken);

    /// <summary><see cref="Score(string, int, CancellationToken)"/> of many texts read together; null for a text whose token was cancelled.</summary>
    public IReadOnlyList<IReadOnlyList<ScoredCharacter>?> Score(IReadOnlyList<BatchText> texts, int top)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        var ids = texts.Select(t => Readable(t.Text, withMarkers: true)).ToList();
        var scores = ids.Select(i => new List<ScoredCharacter>(i.Length - 1)).ToArray();
        var probs = new float[_tokenizer.Count];
        int offset = LineMode ? 0 : 1;
        Read(ids.Select(i => i[..^1]).ToList(), texts, (row, position, logits) =>
        {
            TokenSampler.Softmax(logits, _allowed, 1f, probs);
            string text = texts[row].Text;
            int target = ids[row][position + 1], index = position + offset;
            scores[row].Add(new ScoredCharacter(index, index < text.Length ? text[index].ToString() : CharTokenizer.EndToken,
                target != _tokenizer.UnknownId ? probs[target] : null, Top(probs, top)));
        });
        return Cancelled(texts, scores);
    }

    /// <summary>A text's ids, a line model's preceded by &lt;bos&gt; (and followed by &lt;eos&gt; with the markers).</summary>
    private int[] Readable(string text, bool withMarkers)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TextError(text) is { } error) throw new ArgumentException(error, nameof(text));
        var ids = _tokenizer.Encode(text);
        if (!LineMode) return ids;
        return withMarkers ? [_tokenizer.BeginId, .. ids, _tokenizer.EndId] : [_tokenizer.BeginId, .. ids];
    }

    private static T?[] Cancelled<T>(IReadOnlyList<BatchText> texts, T?[] results) where T : class
    {
        for (int i = 0; i < texts.Count; i++) if (texts[i].Cancellation.IsCancellationRequested) results[i] = null;
        return results;
    }

    /// <summary>
    /// Runs token sequences through the network, up to 64 rows as one padded batch, in windows of 256 steps; each row carries
    /// its own state from window to window, and leaves when its sequence ends or its text's token is cancelled (checked before
    /// every window), so what remains is exactly the rows still wanted. visit gets each real position's logits [V], in order
    /// within a row. A row's numbers do not depend on the others in its batch (the GEMM computes each row on its own).
    /// </summary>
    private void Read(IReadOnlyList<int[]> sequences, IReadOnlyList<BatchText> texts, PositionReader visit)
    {
        var network = Rent();
        try
        {
            int v = _tokenizer.Count, layers = network.LayerCount, hidden = network.HiddenSize;
            bool cell = network.HasCellState;
            // Each row's state between windows, [L, H].
            var states = new float[sequences.Count][];
            var cells = new float[sequences.Count][];
            for (int first = 0; first < sequences.Count; first += MaxReadRows)
            {
                var group = Enumerable.Range(first, Math.Min(MaxReadRows, sequences.Count - first)).ToList();
                for (int start = 0; ; start += ReadWindow)
                {
                    var live = group.Where(r => sequences[r].Length > start && !texts[r].Cancellation.IsCancellationRequested).ToList();
                    if (live.Count == 0) break;
                    int b = live.Count, t = live.Max(r => Math.Min(ReadWindow, sequences[r].Length - start));
                    var tokens = new int[b * t];    // [B, T], padded with <pad>
                    var lengths = new int[b];
                    var ignore = new int[b * t];
                    Array.Fill(ignore, -1);
                    if (_tokenizer.PadId != 0) Array.Fill(tokens, _tokenizer.PadId);
                    var h0 = start == 0 ? null : new float[layers * b * hidden];    // [L, B, H]; zeros on the first window
                    var c0 = start == 0 || !cell ? null : new float[h0!.Length];
                    for (int i = 0; i < b; i++)
                    {
                        var sequence = sequences[live[i]];
                        lengths[i] = Math.Min(ReadWindow, sequence.Length - start);
                        sequence.AsSpan(start, lengths[i]).CopyTo(tokens.AsSpan(i * t));
                        for (int l = 0; h0 is not null && l < layers; l++)
                        {
                            states[live[i]].AsSpan(l * hidden, hidden).CopyTo(h0.AsSpan((l * b + i) * hidden));
                            if (c0 is not null) cells[live[i]].AsSpan(l * hidden, hidden).CopyTo(c0.AsSpan((l * b + i) * hidden));
                        }
                    }
                    network.LanguageModelLoss(tokens, ignore, t, b, lengths, h0, c0, backward: false);
                    var logits = network.LanguageModelLogits;   // [T, B, V]
                    for (int i = 0; i < b; i++)
                    {
                        for (int step = 0; step < lengths[i]; step++) visit(live[i], start + step, logits.Slice((step * b + i) * v, v));
                        states[live[i]] ??= new float[layers * hidden];
                        if (cell) cells[live[i]] ??= new float[layers * hidden];
                        for (int l = 0; l < layers; l++)
                        {
                            network.FinalHidden.Slice((l * b + i) * hidden, hidden).CopyTo(states[live[i]].AsSpan(l * hidden));
                            if (cell) network.FinalCell.Slice((l * b + i) * hidden, hidden).CopyTo(cells[live[i]].AsSpan(l * hidden));
                        }
                    }
                }
            }
        }
        finally { Return(network); }
    }
}
