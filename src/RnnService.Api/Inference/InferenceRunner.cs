using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>One run of a request: its options, logprobs alternatives per character (0 = none), and who gets its text as it grows.</summary>
public sealed record GenerationJob(GenerationOptions Options, int Logprobs = 0, Action<SampleChunk>? OnChunk = null);

/// <summary>Runs a request's inference: with Inference:BatchWindow above zero beside the model's other requests
/// (<see cref="ModelBatcher"/>), else alone. Generation runs off the request's thread (so a streaming handler can write while
/// the samples grow), all its runs (one per prompt) in one batch; a read alone runs on the request's thread.</summary>
public sealed class InferenceRunner(IOptions<InferenceOptions> options)
{
    // Keyed by the loaded model: a model the cache drops takes its batcher with it.
    private readonly ConditionalWeakTable<RnnModel, ModelBatcher> _batchers = [];

    /// <summary>What the batchers have done since the service started: how wide their batches were, what left them early.</summary>
    public BatchingCounters Counters { get; } = new();

    private ModelBatcher? Batcher(RnnModel model) => options.Value.BatchWindow is var window && window > TimeSpan.Zero
        ? _batchers.GetValue(model, m => new ModelBatcher(m, window, Counters))
        : null;

    /// <summary>The finished runs, in the order of the jobs; OperationCanceledException when <paramref name="ct"/> stopped
    /// them (within one step).</summary>
    public Task<IReadOnlyList<GenerationRun>> RunAsync(CharLanguageModel model, IReadOnlyList<GenerationJob> jobs, CancellationToken ct)
    {
        if (Batcher(model) is { } batcher) return batcher.RunAsync(jobs, ct);
        return Task.Factory.StartNew<IReadOnlyList<GenerationRun>>(() =>
        {
            using var batch = model.StartBatch();
            var runs = jobs.Select(j => batch.Add(j.Options, j.Logprobs, j.OnChunk, ct)).ToList();
            while (batch.Runs.Count > 0) batch.Step();
            ct.ThrowIfCancellationRequested();
            return runs;
        }, ct, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
    }

    /// <summary>The texts' results in order (<paramref name="kind"/> says what is read); OperationCanceledException when
    /// <paramref name="ct"/> stopped them.</summary>
    public Task<IReadOnlyList<TResult>> ReadAsync<TResult>(RnnModel model, BatchedRead<TResult> kind, IReadOnlyList<string> texts,
        CancellationToken ct) where TResult : class =>
        Batcher(model) is { } batcher ? batcher.ReadAsync(kind, texts, ct) : Task.FromResult(kind.ReadAlone(model, texts, ct));
}

/// <summary>What the batchers did since the service started: the widest batches (above one request's own count, requests
/// shared a batch), texts that left a read early, spells that waited the window.</summary>
public sealed class BatchingCounters
{
    private int _step, _read, _left, _windows, _reads;

    /// <summary>The most samples one batched generation step has run together.</summary>
    public int WidestStep => Volatile.Read(ref _step);

    /// <summary>The most texts one batched read has read together.</summary>
    public int WidestRead => Volatile.Read(ref _read);

    /// <summary>Texts that left a batched read unfinished because their request was cancelled.</summary>
    public int TextsLeft => Volatile.Read(ref _left);

    /// <summary>Batched reads begun (each kind of read in a spell is one).</summary>
    public int ReadsStarted => Volatile.Read(ref _reads);

    /// <summary>Busy spells that began by waiting Inference:BatchWindow for company.</summary>
    public int WindowsWaited => Volatile.Read(ref _windows);

    internal void Step(int rows) => Widen(ref _step, rows);

    internal void Read(int texts, int left)
    {
        Widen(ref _read, texts);
        Interlocked.Add(ref _left, left);
    }

    internal void ReadStarting() => Interlocked.Increment(ref _reads);

    internal void WaitedWindow() => Interlocked.Increment(ref _windows);

    private static void Widen(ref int widest, int rows)
    {
        for (int seen = Volatile.Read(ref widest); rows > seen; seen = Volatile.Read(ref widest))
            if (Interlocked.CompareExchange(ref widest, rows, seen) == seen) return;
    }
}
