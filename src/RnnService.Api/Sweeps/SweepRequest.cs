using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using RnnService.Api.Datasets;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using RnnService.Engine.Tuning;

namespace RnnService.Api.Sweeps;

/// <summary>A sweep: find good settings for a dataset. Only task and dataset are required; the rest falls back to the
/// task's built-in space and budget ("auto", README "Sweeps").</summary>
/// <example>{"task": "sentiment", "dataset": "toy-sentiment", "name": "toy-tuned", "hyperparameters": {"embeddingSize": 8, "hiddenSize": 8},
/// "space": {"learningRate": {"min": 0.001, "max": 0.03, "log": true}}, "maxEpochs": 3, "budget": {"maxTrials": 3}}</example>
/// <param name="Task">sentiment or charlm; must match the dataset's task.</param>
/// <param name="Dataset">A built-in or uploaded dataset.</param>
/// <param name="Name">The model name the best trial is registered under as its next version (default: "{dataset}-sweep").</param>
/// <param name="Architecture">lstm (default), gru or rnn, for trials whose space does not search architecture.</param>
/// <param name="Hyperparameters">The settings every trial starts from (over the fitted defaults, as POST /train).</param>
/// <param name="Space">Hyper-parameter (JSON name, or "architecture") to a list of values, or to a range
/// {"min", "max", "log": false, "int": false}. Omitted: the task's built-in space.</param>
/// <param name="Strategy">random (default: seeded draws) or grid (every combination of the lists, in order).</param>
/// <param name="Seed">Seeds the random draws: the same seed gives the same trials.</param>
/// <param name="Objective">loss (validation loss, default), accuracy (sentiment) or perplexity (charlm).</param>
/// <param name="Scheduler">asha (default: asynchronous successive halving) or none (every trial trains to maxEpochs).</param>
/// <param name="MinEpochs">ASHA's first rung (default: maxEpochs / eta², at least 1).</param>
/// <param name="MaxEpochs">Epochs of a trial trained to the end (default: the fitted epochs; under ASHA, whose trials run without
/// early stopping, the fitted step budget without the floor that early stopping needs).</param>
/// <param name="Eta">ASHA's reduction factor, 2 or more (default 3): the top 1/eta of a rung is promoted.</param>
/// <param name="Budget">Trials, concurrency and time; each omitted field takes its default.</param>
/// <param name="Alias">The alias the best model gets under the sweep's name (default "best").</param>
public sealed record SweepRequest([property: Required] TaskKind? Task, [property: Required] string? Dataset, string? Name = null, Architecture? Architecture = null,
    HyperparametersRequest? Hyperparameters = null, Dictionary<string, JsonElement>? Space = null, SearchStrategy? Strategy = null,
    int? Seed = null, SweepObjective? Objective = null, SweepSchedulerKind? Scheduler = null, int? MinEpochs = null, int? MaxEpochs = null,
    int? Eta = null, SweepBudget? Budget = null, string? Alias = null);

/// <summary>A sweep's limits.</summary>
/// <param name="MaxTrials">Trials started in all (default 18; a grid: its size).</param>
/// <param name="MaxConcurrent">Trials queued or training at once (default 1).</param>
/// <param name="MaxSeconds">After this many seconds from its creation no new trial starts (default 540).</param>
public sealed record SweepBudget(int? MaxTrials = null, int? MaxConcurrent = null, int? MaxSeconds = null);

/// <summary>Reads a sweep request against the dataset and the limits into an unsaved <see cref="Sweep"/>, or the field errors.</summary>
public static class SweepRequests
{
    public const int DefaultTrials = 18, DefaultConcurrent = 1, DefaultSeconds = 540, MaxTrialsLimit = 1000, MaxConcurrentLimit = 100;

    /// <summary>The sweep to store, or the errors. <paramref name="UnchangedTrial"/>: for a sweep on the built-in space, the settings
    /// its trial 0 trains with (<see cref="SweepScheduler.AddUnchangedTrial"/>): the sweep's own, as POST /train would run them.</summary>
    public sealed record Checked(Sweep? Sweep, Dictionary<string, string[]> Errors, Hyperparameters? UnchangedTrial = null);

    private static Checked Invalid(string field, string message) => new(null, new() { [field] = [message] });

    public static async Task<Checked> CheckAsync(SweepRequest r, DatasetCatalog datasets, LimitsOptions limits, CancellationToken ct) =>
        Check(r, r.Task is null || string.IsNullOrWhiteSpace(r.Dataset) ? null : await datasets.FindAsync(r.Dataset, ct), limits);

    /// <summary>The request against its dataset's facts (null: no dataset of that name), as the service reads it; also
    /// what the sweep benchmark runs the engine with.</summary>
    public static Checked Check(SweepRequest r, DatasetFacts? dataset, LimitsOptions limits)
    {
        if (r.Task is not { } task) return Invalid("task", "Required: sentiment or charlm.");
        if (string.IsNullOrWhiteSpace(r.Dataset)) return Invalid("dataset", "Required: the name of a dataset (GET /datasets).");
        var name = r.Name ?? $"{r.Dataset}-sweep";
        if (ModelNames.CheckName(name) is { } badName) return Invalid("name", badName);
        var alias = r.Alias ?? "best";
        if (ModelNames.CheckAlias(alias) is { } badAlias) return Invalid("alias", badAlias);
        if (dataset is null)
            return Invalid("dataset", $"No dataset named '{r.Dataset}' (GET /datasets lists them).");
        if (dataset.Task != task)
            return Invalid("dataset", $"The dataset '{r.Dataset}' is for the {ApiJson.EnumName(dataset.Task)} task, not {ApiJson.EnumName(task)}.");
        var objective = r.Objective ?? SweepObjective.Loss;
        if ((objective, task) is (SweepObjective.Accuracy, not TaskKind.Sentiment) or (SweepObjective.Perplexity, not TaskKind.CharLm))
            return Invalid("objective", $"{ApiJson.EnumName(objective)} is not measured for {ApiJson.EnumName(task)} models; use loss or " +
                (task == TaskKind.Sentiment ? "accuracy." : "perplexity."));

        var scheduler = r.Scheduler ?? SweepSchedulerKind.Asha;
        var fitted = HyperparameterRules.Merge(task, r.Hyperparameters, dataset.Shape);
        var eta = r.Eta ?? 3;
        if (eta < 2) return Invalid("eta", "At least 2.");
        // ASHA trials train without early stopping (the rungs are theirs), so by default they get the fitted step budget
        // without the floor of epochs that is only there for early stopping to end; a plain search keeps both.
        var maxEpochs = r.MaxEpochs ?? r.Hyperparameters?.Epochs ?? (scheduler == SweepSchedulerKind.Asha
            ? (fitted with { EarlyStoppingPatience = 0 }).EpochsFor(task, dataset.Shape) : fitted.Epochs);
        if (maxEpochs < 1) return Invalid("maxEpochs", "At least 1.");
        if (maxEpochs > limits.MaxEpochs) return Invalid("maxEpochs", $"At most {limits.MaxEpochs} (Limits:MaxEpochs).");
        var minEpochs = scheduler == SweepSchedulerKind.None ? maxEpochs : r.MinEpochs ?? Math.Max(1, maxEpochs / (eta * eta));
        if (minEpochs < 1) return Invalid("minEpochs", "At least 1.");
        if (minEpochs > maxEpochs) return Invalid("minEpochs", $"minEpochs ({minEpochs}) is greater than maxEpochs ({maxEpochs}).");
        // ASHA is the early stopping of a sweep: a trial's own would end it between rungs.
        var settings = fitted with
        {
            Epochs = maxEpochs,
            EarlyStoppingPatience = scheduler == SweepSchedulerKind.Asha ? 0 : fitted.EarlyStoppingPatience,
        };

        var strategy = r.Strategy ?? SearchStrategy.Random;
        var seed = r.Seed ?? settings.Seed;
        var spaceJson = r.Space ?? AutoSweep.SpaceFor(task, dataset.Shape);
        var parsed = SweepSpaces.Parse(spaceJson, strategy, seed);
        if (parsed.Space is not { } space) return new(null, parsed.Errors);
        var architecture = r.Architecture ?? Architecture.Lstm;
        if (space.Trial(0, p => SweepSpaces.Passes(task, architecture, settings, p, limits)) is null)
            return new(null, SweepSpaces.FirstPointErrors(task, architecture, settings, space, limits));

        var b = r.Budget ?? new SweepBudget();
        var maxTrials = b.MaxTrials ?? (strategy == SearchStrategy.Grid ? (int)Math.Min(space.GridSize(), MaxTrialsLimit) : DefaultTrials);
        if (maxTrials is < 1 or > MaxTrialsLimit) return Invalid("budget.maxTrials", $"Between 1 and {MaxTrialsLimit}.");
        var maxConcurrent = b.MaxConcurrent ?? DefaultConcurrent;
        if (maxConcurrent is < 1 or > MaxConcurrentLimit) return Invalid("budget.maxConcurrent", $"Between 1 and {MaxConcurrentLimit}.");
        var maxSeconds = b.MaxSeconds ?? DefaultSeconds;
        if (maxSeconds < 1) return Invalid("budget.maxSeconds", "At least 1.");

        return new(new Sweep
        {
            Id = Guid.NewGuid(), Name = name, Status = SweepStatus.Running, Task = task, Architecture = architecture, Dataset = r.Dataset,
            HyperparametersJson = JsonSerializer.Serialize(settings, ApiJson.Options), SpaceJson = JsonSerializer.Serialize(spaceJson, ApiJson.Options),
            Strategy = strategy, Seed = seed, Objective = objective, Scheduler = scheduler, MinEpochs = minEpochs, MaxEpochs = maxEpochs,
            Eta = eta, MaxTrials = maxTrials, MaxConcurrent = maxConcurrent, MaxSeconds = maxSeconds, Alias = alias, CreatedAt = DateTime.UtcNow,
        }, [], r.Space is null && HyperparameterRules.Check(task, architecture, fitted, limits).Count == 0 ? fitted : null);
    }
}
