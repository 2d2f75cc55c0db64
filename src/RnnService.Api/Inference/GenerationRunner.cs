using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>One run of a request: its options, logprobs alternatives per character (0 = none), and who gets its text as it grows.</summary>
public sealed record GenerationJob(GenerationOptions Options, int Logprobs = 0, Action<SampleChunk>? OnChunk = null);

/// <summary>Runs a request's generation off the request's thread (so a streaming handler can write while the samples grow):
/// with Inference:BatchWindow above zero beside the model's other requests (<see cref="ModelBatcher"/>), else alone, all
/// its runs (one per prompt) in one batch.</summary>
public sealed class GenerationRunner(IOptions<InferenceOptions> options)
{
    // Keyed by the loaded model: a model the cache drops takes its batcher with it.
    private readonly ConditionalWeakTable<CharLanguageModel, ModelBatcher> _batchers = [];
    private int _widestBatch;

    /// <summary>The most samples one batched step has run together since the service started: above one request's count, requests shared a step.</summary>
    public int WidestBatch => Volatile.Read(ref _widestBatch);

    /// <summary>The finished runs, in the order of the jobs; OperationCanceledException when <paramref name="ct"/> stopped
    /// them (within one step).</summary>
    public Task<IReadOnlyList<GenerationRun>> RunAsync(CharLanguageModel model, IReadOnlyList<GenerationJob> jobs, CancellationToken ct)
    {
        var window = options.Value.BatchWindow;
        if (window > TimeSpan.Zero) return _batchers.GetValue(model, m => new ModelBatcher(m, window, Widen)).RunAsync(jobs, ct);
        return Task.Factory.StartNew<IReadOnlyList<GenerationRun>>(() =>
        {
            using var batch = model.StartBatch();
            var runs = jobs.Select(j => batch.Add(j.Options, j.Logprobs, j.OnChunk, ct)).ToList();
            while (batch.Runs.Count > 0) batch.Step();
            ct.ThrowIfCancellationRequested();
            return runs;
        }, ct, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
    }

    private void Widen(int rows)
    {
        for (int widest = WidestBatch; rows > widest; widest = WidestBatch)
            if (Interlocked.CompareExchange(ref _widestBatch, rows, widest) == widest) return;
    }
}
