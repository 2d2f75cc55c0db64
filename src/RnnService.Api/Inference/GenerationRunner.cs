using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>One run of a request: its options, logprobs alternatives per character (0 = none), and who gets its text as it grows.</summary>
public sealed record GenerationJob(GenerationOptions Options, int Logprobs = 0, Action<SampleChunk>? OnChunk = null);

/// <summary>Runs a request's generation off the request's thread (so a streaming handler can write while the samples grow),
/// all its runs (one per prompt) in one batch.</summary>
public sealed class GenerationRunner
{
    /// <summary>The finished runs, in the order of the jobs; OperationCanceledException when <paramref name="ct"/> stopped
    /// them (within one step).</summary>
    public Task<IReadOnlyList<GenerationRun>> RunAsync(CharLanguageModel model, IReadOnlyList<GenerationJob> jobs, CancellationToken ct) =>
        Task.Factory.StartNew<IReadOnlyList<GenerationRun>>(() =>
        {
            using var batch = model.StartBatch();
            var runs = jobs.Select(j => batch.Add(j.Options, j.Logprobs, j.OnChunk, ct)).ToList();
            while (batch.Runs.Count > 0) batch.Step();
            ct.ThrowIfCancellationRequested();
            return runs;
        }, ct, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
}
