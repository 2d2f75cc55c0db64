using RnnService.Engine.Core;
using RnnService.Engine.Sampling;

namespace RnnService.Engine.Models;

/// <summary>
/// Generation as a batch that runs join and leave between steps (continuous batching): each <see cref="Step"/> reads a new
/// run's prompt, draws a character for every sample of every run, and feeds the samples still writing through the network
/// as one batch. A sample's rows of the batch compute the same numbers whatever else is in it (the GEMM computes each row
/// on its own), and every run draws from its own random stream, so a run's text is the same alone or beside others.
/// Not thread-safe: one caller steps a batch; it holds one network workspace until disposed.
/// </summary>
public sealed class GenerationBatch : IDisposable
{
    private readonly CharLanguageModel _model;
    private readonly RecurrentNetwork _network;
    private readonly TokenSampler _sampler;
    private readonly List<GenerationRun> _runs = [];
    private readonly int _vocabulary, _layers, _hidden;
    private int[] _tokens = [];
    private float[] _h = [], _c = [];
    private bool _disposed;

    internal GenerationBatch(CharLanguageModel model, RecurrentNetwork network)
    {
        _model = model;
        _network = network;
        _vocabulary = network.OutputSize;
        _layers = network.LayerCount;
        _hidden = network.HiddenSize;
        _sampler = new TokenSampler(_vocabulary);
    }

    /// <summary>The runs still writing, in the order they joined.</summary>
    public IReadOnlyList<GenerationRun> Runs => _runs;

    /// <summary>Samples still writing, all runs together: the rows of the next forward pass.</summary>
    public int WritingSamples => _runs.Sum(r => Enumerable.Range(0, r.Count).Count(r.IsWriting));

    /// <summary>Joins a run of options.Count samples drawn from Rng(options.Seed); it starts at the next step. logprobs &gt; 0 records
    /// that many alternatives per generated character; onChunk receives text as it is written (on the stepping thread).
    /// Throws ArgumentOutOfRangeException for invalid options and ArgumentException for a prompt the model cannot start from.</summary>
    public GenerationRun Add(GenerationOptions options, int logprobs = 0, Action<SampleChunk>? onChunk = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Add(options, options.Count, new Rng(options.Seed), logprobs, onChunk, cancellationToken);
    }

    internal GenerationRun Add(GenerationOptions options, int count, Rng rng, int logprobs, Action<SampleChunk>? onChunk,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(logprobs);
        if (_model.PromptError(options.Prompt + options.Prefix) is { } error) throw new ArgumentException(error, nameof(options));
        var run = new GenerationRun(options, count, rng, logprobs, onChunk, cancellationToken);
        _runs.Add(run);
        return run;
    }

    /// <summary>Drops a run (its request was cancelled); the others go on untouched.</summary>
    public void Remove(GenerationRun run)
    {
        if (_runs.Remove(run)) run.IsFinished = true;
    }

    /// <summary>One step of every run: cancelled runs leave, new runs read their prompt, every sample draws, finished runs leave,
    /// and the samples still writing go through the network together.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _runs.RemoveAll(r => r.CancellationToken.IsCancellationRequested && (r.IsFinished = true));
        foreach (var run in _runs)
        {
            if (!run.Prefilled) Prefill(run);
            if (run.StepsLeft > 0) Draw(run);
            if (run.StepsLeft == 0)
                for (int i = 0; i < run.Count; i++) if (run.IsWriting(i)) run.End(i, FinishReason.Length);
            run.IsFinished = Enumerable.Range(0, run.Count).All(i => !run.IsWriting(i));
        }
        _runs.RemoveAll(r => r.IsFinished);
        Forward();
    }

    /// <summary>The prompt read once (every sample of a run starts from the same state), its state copied to each sample.</summary>
    private void Prefill(GenerationRun run)
    {
        run.Prefilled = true;
        run.Next = new int[run.Count];
        run.Logits = new float[run.Count * _vocabulary];
        run.Hidden = new float[_layers * run.Count * _hidden];
        run.Cell = _network.HasCellState ? new float[run.Hidden.Length] : [];
        if (run.StepsLeft == 0) return;
        var context = _model.Context(run.Options.Prompt + run.Options.Prefix);
        var logits = _network.NextTokenLogits(context, context.Length, 1, default, default);
        for (int i = 0; i < run.Count; i++)
        {
            logits.CopyTo(run.Logits.AsSpan(i * _vocabulary));
            for (int l = 0; l < _layers; l++)
            {
                _network.FinalHidden.Slice(l * _hidden, _hidden).CopyTo(run.Hidden.AsSpan((l * run.Count + i) * _hidden));
                if (_network.HasCellState) _network.FinalCell.Slice(l * _hidden, _hidden).CopyTo(run.Cell.AsSpan((l * run.Count + i) * _hidden));
            }
        }
    }

    private void Draw(GenerationRun run)
    {
        var options = run.Options;
        _model.CountStep();
        run.Steps++;
        run.StepsLeft--;
        for (int i = 0; i < run.Count; i++)
        {
            if (!run.IsWriting(i)) { TokenSampler.SkipDraw(options.Temperature, run.Rng); continue; }
            var logits = run.Logits.AsSpan(i * _vocabulary, _vocabulary);
            // The end marker is off limits while a sample is shorter than MinLength, or empty (no training line is).
            bool tooShort = run.GeneratedLength(i) < options.MinLength || run.GeneratedLength(i) + options.Prompt.Length == 0;
            var allowed = tooShort ? _model.AllowedBeforeMinLength : _model.Allowed;
            int id = _sampler.Sample(logits, allowed, options.Temperature, options.TopK, options.TopP, run.Rng);
            run.Next[i] = id;
            var scored = run.LogprobCount > 0 ? _model.ScoreDraw(logits, id, run.LogprobCount, index: run.Options.Prompt.Length + run.GeneratedLength(i)) : null;
            if (id == _model.EndId) { run.End(i, FinishReason.EndOfLine); continue; }
            run.Append(i, _model.TokenText(id), scored);
            if (run.CutStop(i)) run.End(i, FinishReason.Stop);
            else if (run.StepsLeft > 0) run.SendWritten(i);
        }
    }

    /// <summary>The samples still writing, gathered from their runs into one batch, one step through the network, and scattered back.</summary>
    private void Forward()
    {
        int rows = WritingSamples;
        if (rows == 0) return;
        Ensure(ref _tokens, rows);
        Ensure(ref _h, _layers * rows * _hidden);
        if (_network.HasCellState) Ensure(ref _c, _h.Length);
        Move(rows, toBatch: true);
        var logits = _network.NextTokenLogits(_tokens.AsSpan(0, rows), 1, rows, _h.AsSpan(0, _layers * rows * _hidden),
            _network.HasCellState ? _c.AsSpan(0, _layers * rows * _hidden) : default);
        _network.FinalHidden.CopyTo(_h);
        if (_network.HasCellState) _network.FinalCell.CopyTo(_c);
        int row = 0;
        foreach (var run in _runs)
            for (int i = 0; i < run.Count; i++)
                if (run.IsWriting(i)) logits.Slice(row++ * _vocabulary, _vocabulary).CopyTo(run.Logits.AsSpan(i * _vocabulary));
        Move(rows, toBatch: false);
    }

    /// <summary>Copies each writing sample's token and state into its row of the batch, or its new state back out.</summary>
    private void Move(int rows, bool toBatch)
    {
        int row = 0;
        foreach (var run in _runs)
            for (int i = 0; i < run.Count; i++)
            {
                if (!run.IsWriting(i)) continue;
                if (toBatch) _tokens[row] = run.Next[i];
                for (int l = 0; l < _layers; l++)
                {
                    var own = run.Hidden.AsSpan((l * run.Count + i) * _hidden, _hidden);
                    var batch = _h.AsSpan((l * rows + row) * _hidden, _hidden);
                    if (toBatch) own.CopyTo(batch); else batch.CopyTo(own);
                    if (!_network.HasCellState) continue;
                    var ownCell = run.Cell.AsSpan((l * run.Count + i) * _hidden, _hidden);
                    var batchCell = _c.AsSpan((l * rows + row) * _hidden, _hidden);
                    if (toBatch) ownCell.CopyTo(batchCell); else batchCell.CopyTo(ownCell);
                }
                row++;
            }
    }

    private static void Ensure<T>(ref T[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new T[size];
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _model.ReturnNetwork(_network);
    }
}
