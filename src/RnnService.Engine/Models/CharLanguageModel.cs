using RnnService.Engine.Core;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Models;

/// <summary>A candidate next character; "&lt;eos&gt;" stands for the end of a line-mode sample.</summary>
public sealed record NextCharacter(string Character, float Probability);

/// <summary>
/// One scored position of a text: Index into the text (the text's length for a line model's end marker),
/// the Character there ("&lt;eos&gt;" for the end marker), its Probability given everything before it
/// (null for a character outside the model's alphabet) and the Alternatives the model found most likely there.
/// </summary>
public sealed record ScoredCharacter(int Index, string Character, float? Probability, IReadOnlyList<NextCharacter> Alternatives);

/// <summary>chars → embedding → RNN → linear → softmax over the next character.</summary>
public sealed partial class CharLanguageModel : RnnModel
{
    private readonly CharTokenizer _tokenizer;
    private readonly bool[] _allowed;   // tokens that may be generated: not pad/unk/bos
    private long _generationSteps;

    internal CharLanguageModel(ModelConfig config, RecurrentNetwork network) : base(config, network)
    {
        if (config.Task != TaskKind.CharLm) throw new ArgumentException("Not a char-model config.", nameof(config));
        _tokenizer = new CharTokenizer(config.Vocabulary);
        _allowed = new bool[_tokenizer.Count];
        for (int i = 0; i < _allowed.Length; i++)
            _allowed[i] = i != _tokenizer.PadId && i != _tokenizer.UnknownId && i != _tokenizer.BeginId;
        AllowedBeforeMinLength = (bool[])_allowed.Clone();
        if (LineMode) AllowedBeforeMinLength[_tokenizer.EndId] = false;
    }

    public bool LineMode => _tokenizer.LineMode;

    /// <summary>MaxLength for a request that gives none: the stored one for a line model (fitted to its training lines),
    /// else <see cref="GenerationOptions.DefaultMaxLength"/>.</summary>
    public int DefaultMaxLength => Config.DefaultMaxLength ?? GenerationOptions.DefaultMaxLength;

    /// <summary>The lines this model trained on (hashed); null for continuous models and models saved before they were kept.</summary>
    public TrainingLineSet? TrainingLines { get; internal set; }

    /// <summary>Sampling steps <see cref="Generate"/> has run on this model, all callers together; lets a
    /// caller see that cancelled generation stopped stepping.</summary>
    public long GenerationSteps => Interlocked.Read(ref _generationSteps);

    /// <summary>The model's rule for a prompt (with its prefix): a line model starts from &lt;bos&gt;, a continuous one
    /// from a first character (the prompt's, or its training text's); null when it has one.</summary>
    public string? PromptError(string prompt) =>
        !LineMode && prompt.Length == 0 && string.IsNullOrEmpty(Config.DefaultPrompt) ? "A prompt is required for this model." : null;

    /// <summary>The model's rule for a text to score (<see cref="Perplexity"/>, <see cref="Score"/>): a continuous model
    /// predicts every character after the first, so it needs two; null when the text can be scored.</summary>
    public string? TextError(string text) => !LineMode && text.Length < 2 ? "The text needs at least two characters." : null;

    /// <summary>Token ids that condition the model on a prompt: &lt;bos&gt; + prompt for line models.</summary>
    internal int[] Context(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (PromptError(prompt) is { } error) throw new ArgumentException(error, nameof(prompt));
        if (LineMode) return [_tokenizer.BeginId, .. _tokenizer.Encode(prompt)];
        return _tokenizer.Encode(prompt.Length > 0 ? prompt : Config.DefaultPrompt!);
    }

    /// <summary>The most likely next characters after a prompt, most likely first.</summary>
    public IReadOnlyList<NextCharacter> NextCharacters(string prompt, int top)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        var context = Context(prompt);
        var network = Rent();
        try
        {
            var logits = network.NextTokenLogits(context, context.Length, 1, default, default);
            var probs = new float[logits.Length];
            TokenSampler.Softmax(logits, _allowed, 1f, probs);
            return Enumerable.Range(0, probs.Length).Where(i => _allowed[i])
                .OrderByDescending(i => probs[i]).ThenBy(i => i).Take(top)
                .Select(i => new NextCharacter(_tokenizer.TokenText(i), probs[i])).ToList();
        }
        finally { Return(network); }
    }

    /// <summary>The characters of a text outside the model's alphabet, each once, in order of appearance.</summary>
    public IReadOnlyList<string> UnknownCharacters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _tokenizer.Encode(text);
        var unknown = new List<string>();
        for (int i = 0; i < ids.Length; i++)
            if (ids[i] == _tokenizer.UnknownId && !unknown.Contains(text[i].ToString())) unknown.Add(text[i].ToString());
        return unknown;
    }

    private List<NextCharacter> Top(float[] probs, int top) =>
        Enumerable.Range(0, probs.Length).Where(i => _allowed[i])
            .OrderByDescending(i => probs[i]).ThenBy(i => i).Take(top)
            .Select(i => new NextCharacter(_tokenizer.TokenText(i), probs[i])).ToList();

    /// <summary>
    /// Writes options.Count samples, each the prompt and prefix followed by generated characters, up to MaxLength
    /// after the prompt (a line model stops at its end marker, which it may not choose before MinLength, nor while the
    /// sample is empty: its training data has no empty line; any model stops at a Stop string, cut off, which with
    /// MinLength 0 may leave an empty sample). The same seed gives the same samples. The token is checked
    /// before every step, so abandoned generation stops within one step (OperationCanceledException).
    /// </summary>
    public IReadOnlyList<string> Generate(GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return GenerateRound(options, options.Count, new Rng(options.Seed), cancellationToken);
    }

    /// <summary>
    /// Like <see cref="Generate"/>, but never returns a line of the training data: samples are drawn in rounds of
    /// the number still missing (the first round is what Generate returns for the same seed) until Count are new
    /// or maxCandidates were drawn. Samples holds what was found (possibly fewer than Count); Rejected counts
    /// the candidates that were training lines. Throws InvalidOperationException for a model without
    /// <see cref="TrainingLines"/>.
    /// </summary>
    public (IReadOnlyList<string> Samples, int Rejected, int Candidates) GenerateNew(GenerationOptions options, int maxCandidates,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var lines = TrainingLines ?? throw new InvalidOperationException("This model was saved without its training lines.");
        var rng = new Rng(options.Seed);
        var found = new List<string>(options.Count);
        int rejected = 0, candidates = 0;
        while (found.Count < options.Count && candidates < maxCandidates)
        {
            int round = Math.Min(options.Count - found.Count, maxCandidates - candidates);
            foreach (var sample in GenerateRound(options, round, rng, cancellationToken))
            {
                candidates++;
                if (lines.Contains(sample)) rejected++;
                else found.Add(sample);
            }
        }
        return (found, rejected, candidates);
    }

    /// <summary>A batch that requests' samples join and leave between steps (<see cref="GenerationBatch"/>); dispose it when done.</summary>
    public GenerationBatch StartBatch() => new(this, Rent());

    private IReadOnlyList<string> GenerateRound(GenerationOptions options, int count, Rng rng, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var batch = StartBatch();
        var run = batch.Add(options, count, rng, logprobs: 0, onChunk: null, cancellationToken);
        while (!run.IsFinished) batch.Step();
        cancellationToken.ThrowIfCancellationRequested();
        return run.Samples;
    }

    // What a GenerationBatch needs of the model.
    internal bool[] Allowed => _allowed;
    internal bool[] AllowedBeforeMinLength { get; }
    internal int EndId => _tokenizer.EndId;
    internal string TokenText(int id) => _tokenizer.TokenText(id);
    internal void CountStep() => Interlocked.Increment(ref _generationSteps);
    internal void ReturnNetwork(RecurrentNetwork network) => Return(network);

    /// <summary>A drawn character's probability under the model (temperature 1, over the characters that can be generated) and
    /// the top alternatives there, as <see cref="Score"/> gives them.</summary>
    internal ScoredCharacter ScoreDraw(ReadOnlySpan<float> logits, int id, int top, int index)
    {
        var probs = new float[logits.Length];
        TokenSampler.Softmax(logits, _allowed, 1f, probs);
        return new ScoredCharacter(index, _tokenizer.TokenText(id), probs[id], Top(probs, top));
    }
}
