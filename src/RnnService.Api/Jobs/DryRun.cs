using System.Text.Json;
using RnnService.Api.Datasets;
using RnnService.Api.Infrastructure;
using RnnService.Api.Training;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>What POST /train/estimate answers: the job as it would run, and its cost on this machine.</summary>
/// <param name="EstimatedMemoryBytes">Upper estimate: weights, gradients, optimizer state and one batch's activations.</param>
/// <param name="EstimatedSecondsPerEpoch">The fastest warm epoch of about a second of training on a slice of the data here, scaled to the whole set.</param>
/// <param name="EstimatedSeconds">Per epoch times epochs (early stopping may end sooner).</param>
/// <param name="TimedExamples">Examples in the timed slice (texts, lines, or characters of a continuous text).</param>
public sealed record DryRunResponse(TaskKind Task, Architecture Architecture, string Dataset, Hyperparameters Hyperparameters,
    Guid? InitFromModelId, long ParameterCount, long EstimatedMemoryBytes, double EstimatedSecondsPerEpoch, double EstimatedSeconds,
    int TimedExamples);

public static class DryRun
{
    /// <summary>Times a few batches on a worker thread; nothing is stored.</summary>
    public static async Task<TrainingEstimate> MeasureAsync(TaskKind task, Architecture architecture, string dataset, Hyperparameters hp,
        Guid? initFrom, int timedBatches, DatasetCatalog datasets, JobStore store, CancellationToken ct)
    {
        var baseModel = initFrom is { } id && await store.LoadModelWeightsAsync(id, ct) is { } bytes ? RnnModel.FromSafetensors(bytes) : null;
        var data = await datasets.LoadAsync(dataset, ct);
        return await Task.Run(() => TrainingEstimator.Estimate(task, architecture, hp, data, baseModel, timedBatches, ct), ct);
    }

    /// <summary>What a timed estimate depends on: everything but the epochs (it is per epoch); the key of
    /// <see cref="TrainingEstimates"/>' cache, shared by jobs and sweeps.</summary>
    public static string Shape(TaskKind task, Architecture architecture, string dataset, DataShape data, Guid? initFrom, Hyperparameters hp) =>
        string.Join('\n', task, architecture, dataset, data.Samples, initFrom, JsonSerializer.Serialize(hp with { Epochs = 1 }, ApiJson.Options));

    public static DryRunResponse Response(TaskKind task, Architecture architecture, string dataset, Hyperparameters hp, Guid? initFrom,
        TrainingEstimate estimate) =>
        new(task, architecture, dataset, hp, initFrom, estimate.ParameterCount, estimate.MemoryBytes,
            Math.Round(estimate.SecondsPerEpoch, 3), Math.Round(estimate.SecondsPerEpoch * hp.Epochs, 1), estimate.TimedExamples);
}
