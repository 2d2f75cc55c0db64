using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Training;

/// <summary>
/// Character language model. A continuous text is cut into B parallel streams read in windows of
/// SequenceLength with the state carried between windows (truncated BPTT); a line corpus trains on
/// shuffled batches of lines framed by &lt;bos&gt; … &lt;eos&gt;.
/// </summary>
internal sealed class CharLanguageModelTask : TrainingTask
{
    private readonly CharTokenizer _tokenizer;
    private readonly string _defaultPrompt;
    private readonly int? _defaultMaxLength;   // line mode only
    // Continuous mode
    private readonly int[] _trainStream = [], _validationStream = [];
    // Line mode: each line is [bos, c1..cn, eos]
    private readonly int[][] _trainLines = [], _validationLines = [];
    private int[] _tokens = [], _targets = [], _lengths = [];
    private float[] _h = [], _c = [];

    /// <param name="alphabet">A fine-tuned model's vocabulary (its base model's); null builds one from the corpus.</param>
    public CharLanguageModelTask(TextCorpus corpus, Hyperparameters hp, IReadOnlyList<string>? alphabet = null) : base(hp)
    {
        // A fine-tuned model's alphabet reads the same kind of corpus (FineTuneRules checked it).
        _tokenizer = alphabet is null ? CharTokenizer.Build(corpus.Text, corpus.LineMode) : new CharTokenizer(alphabet);
        _defaultPrompt = corpus.Text[..1];
        if (corpus.LineMode)
        {
            var corpusLines = CharTokenizer.SplitLines(corpus.Text);
            var lines = corpusLines
                .Select(l => (int[])[_tokenizer.BeginId, .. _tokenizer.Encode(l.Length < hp.SequenceLength ? l : l[..(hp.SequenceLength - 1)]), _tokenizer.EndId])
                .ToArray();
            if (lines.Length == 0) throw new TrainingDataException("The corpus has no lines.");
            _defaultMaxLength = GenerationOptions.LineMaxLength(corpusLines.Max(l => l.Length));
            var (train, validation) = Split(lines.Length, hp.ValidationFraction, hp.Seed);
            _trainLines = train.Select(i => lines[i]).ToArray();
            _validationLines = validation.Select(i => lines[i]).ToArray();
        }
        else
        {
            var ids = _tokenizer.Encode(corpus.Text);
            if (ids.Length < 2) throw new TrainingDataException("The corpus needs at least two characters.");
            int validation = hp.ValidationFraction > 0 ? (int)Math.Round(ids.Length * hp.ValidationFraction) : 0;
            if (validation < 2 || ids.Length - validation < 2) validation = 0;
            _trainStream = ids[..(ids.Length - validation)];
            _validationStream = ids[(ids.Length - validation)..];
        }
    }

    private bool LineMode => _tokenizer.LineMode;
    public override bool HasValidation => LineMode ? _validationLines.Length > 0 : _validationStream.Length > 0;

    public override ModelConfig CreateConfig(Architecture architecture) => new()
    {
        Task = TaskKind.CharLm, Architecture = architecture, VocabularySize = _tokenizer.Count,
        EmbeddingSize = Hp.EmbeddingSize, HiddenSize = Hp.HiddenSize, Layers = Hp.Layers, OutputSize = _tokenizer.Count,
        Vocabulary = _tokenizer.Vocabulary, LineMode = LineMode, DefaultPrompt = LineMode ? null : _defaultPrompt,
        DefaultMaxLength = _defaultMaxLength,
        Hyperparameters = Hp,
    };

    public override (double Loss, double? Accuracy) TrainEpoch(RecurrentNetwork network, Optimizer optimizer, Rng rng, CancellationToken cancellationToken) =>
        (LineMode ? RunLines(network, _trainLines, Hp.BatchSize, optimizer, rng, cancellationToken)
                  : RunStream(network, _trainStream, Hp.BatchSize, optimizer, rng, cancellationToken), null);

    public override (double Loss, double? Accuracy) Evaluate(RecurrentNetwork network) =>
        (LineMode ? RunLines(network, _validationLines, Hp.EvaluationBatchSize(), null, null, default)
                  : RunStream(network, _validationStream, 1, null, null, default), null);

    /// <summary>Mean loss per predicted character over a set of lines; trains when an optimizer is given.</summary>
    private double RunLines(RecurrentNetwork network, int[][] lines, int batchSize, Optimizer? optimizer, Rng? rng, CancellationToken ct)
    {
        var order = Enumerable.Range(0, lines.Length).ToArray();
        if (rng != null) rng.Shuffle(order);
        double lossSum = 0;
        long count = 0;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            int b = Math.Min(batchSize, order.Length - start), t = 1;
            for (int i = 0; i < b; i++) t = Math.Max(t, lines[order[start + i]].Length - 1);
            RecurrentNetwork.Ensure(ref _tokens, b * t);
            RecurrentNetwork.Ensure(ref _targets, b * t);
            RecurrentNetwork.Ensure(ref _lengths, b);
            for (int row = 0; row < b; row++)
            {
                var line = lines[order[start + row]];
                int n = line.Length - 1;
                for (int k = 0; k < t; k++)
                {
                    _tokens[row * t + k] = k < n ? line[k] : _tokenizer.PadId;
                    _targets[row * t + k] = k < n ? line[k + 1] : -1;
                }
                _lengths[row] = n;
            }
            var (loss, counted) = network.LanguageModelLoss(_tokens.AsSpan(0, b * t), _targets.AsSpan(0, b * t), t, b,
                _lengths.AsSpan(0, b), default, default, backward: optimizer != null, rng);
            if (optimizer != null) ApplyGradients(network, optimizer, loss);
            lossSum += (double)loss * counted;
            count += counted;
        }
        return lossSum / Math.Max(1, count);
    }

    /// <summary>
    /// Mean loss per predicted character over a continuous stream cut into up to maxStreams parallel
    /// streams, windows of SequenceLength, state carried across windows; trains when an optimizer is given.
    /// </summary>
    private double RunStream(RecurrentNetwork network, int[] ids, int maxStreams, Optimizer? optimizer, Rng? rng, CancellationToken ct)
    {
        int s = Hp.SequenceLength;
        int b = Math.Max(1, Math.Min(maxStreams, (ids.Length - 1) / s));
        int length = (ids.Length - 1) / b;     // inputs per stream; targets are shifted by one
        int stateSize = network.StateSize(b);
        RecurrentNetwork.Ensure(ref _h, stateSize);
        RecurrentNetwork.Ensure(ref _c, stateSize);
        Array.Clear(_h, 0, stateSize);
        Array.Clear(_c, 0, stateSize);
        double lossSum = 0;
        long count = 0;
        for (int offset = 0; offset < length; offset += s)
        {
            ct.ThrowIfCancellationRequested();
            int t = Math.Min(s, length - offset);
            RecurrentNetwork.Ensure(ref _tokens, b * t);
            RecurrentNetwork.Ensure(ref _targets, b * t);
            for (int row = 0; row < b; row++)
                for (int k = 0; k < t; k++)
                {
                    int at = row * length + offset + k;
                    _tokens[row * t + k] = ids[at];
                    _targets[row * t + k] = ids[at + 1];
                }
            var (loss, counted) = network.LanguageModelLoss(_tokens.AsSpan(0, b * t), _targets.AsSpan(0, b * t), t, b,
                default, _h.AsSpan(0, stateSize), network.HasCellState ? _c.AsSpan(0, stateSize) : default,
                backward: optimizer != null, rng);
            if (optimizer != null) ApplyGradients(network, optimizer, loss);
            network.FinalHidden.CopyTo(_h);
            if (network.HasCellState) network.FinalCell.CopyTo(_c);
            lossSum += (double)loss * counted;
            count += counted;
        }
        return lossSum / Math.Max(1, count);
    }
}
