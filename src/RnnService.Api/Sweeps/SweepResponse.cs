using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Jobs;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using RnnService.Engine.Tuning;

namespace RnnService.Api.Sweeps;

/// <summary>One trial. rung: the highest rung it reported at (-1: none yet); rungMetrics[k]: its objective at rung k (null: not
/// measurable); metric: the latest of them; point: the searched settings; hyperparameters: every setting of its job.</summary>
public sealed record SweepTrialResponse(int Index, Guid JobId, JobStatus Status, Architecture Architecture,
    IReadOnlyDictionary<string, JsonElement> Point, Hyperparameters Hyperparameters, int Epoch, int Rung, int? RungEpochs,
    IReadOnlyList<double?> RungMetrics, double? Metric, string? Error);

/// <summary>The budget in force.</summary>
public sealed record SweepBudgetResponse(int MaxTrials, int MaxConcurrent, int MaxSeconds);

/// <summary>A sweep. rungs: the epochs of ASHA's rungs (one rung, maxEpochs, with scheduler none); best: the best trial so far
/// (the best metric at the highest rung reached); model: once it succeeded, "name@alias", with modelId and modelVersion.</summary>
public sealed record SweepResponse(Guid Id, string Name, SweepStatus Status, TaskKind Task, string Dataset, Architecture Architecture,
    Hyperparameters Hyperparameters, IReadOnlyDictionary<string, JsonElement> Space, SearchStrategy Strategy, int Seed,
    SweepObjective Objective, bool Minimize, SweepSchedulerKind Scheduler, int MinEpochs, int MaxEpochs, int Eta, IReadOnlyList<int> Rungs,
    SweepBudgetResponse Budget, string Alias, int TrialsStarted, IReadOnlyList<SweepTrialResponse> Trials, SweepTrialResponse? Best,
    string? Model, Guid? ModelId, int? ModelVersion, string? Error, DateTime CreatedAt, DateTime? FinishedAt, double ElapsedSeconds);

/// <summary>A page of sweeps, newest first.</summary>
public sealed record SweepPage(IReadOnlyList<SweepResponse> Items, int Page, int PageSize, int Total);

public static class SweepViews
{
    public static async Task<SweepResponse?> LoadAsync(RnnDbContext db, Guid id, CancellationToken ct) =>
        await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) is { } sweep ? (await ViewAsync(db, [sweep], ct))[0] : null;

    public static async Task<List<SweepResponse>> ViewAsync(RnnDbContext db, IReadOnlyList<Sweep> sweeps, CancellationToken ct)
    {
        var ids = sweeps.Select(s => s.Id).ToList();
        var trials = (await db.SweepTrials.AsNoTracking().Where(t => ids.Contains(t.SweepId)).OrderBy(t => t.Index).ToListAsync(ct))
            .ToLookup(t => t.SweepId);
        var jobs = await db.TrainingJobs.AsNoTracking().Where(j => j.SweepId != null && ids.Contains(j.SweepId.Value)).ToDictionaryAsync(j => j.Id, ct);
        return sweeps.Select(s => View(s, trials[s.Id].ToList(), jobs)).ToList();
    }

    private static SweepResponse View(Sweep s, List<SweepTrial> trials, Dictionary<Guid, TrainingJob> jobs)
    {
        var halving = s.Halving();
        var views = trials.Select(t => Trial(t, jobs[t.JobId], halving)).ToList();
        var states = trials.Select(t => new TrialState(t.Index, TrialPhase.Done, t.GetRungMetrics())).ToList();
        var best = s.BestTrial ?? SuccessiveHalving.Best(states, s.Minimize)?.Index;
        var end = s.FinishedAt ?? DateTime.UtcNow;
        return new SweepResponse(s.Id, s.Name, s.Status, s.Task, s.Dataset, s.Architecture, s.GetHyperparameters(), s.GetSpace(), s.Strategy,
            s.Seed, s.Objective, s.Minimize, s.Scheduler, s.MinEpochs, s.MaxEpochs, s.Eta, halving.Rungs,
            new SweepBudgetResponse(s.MaxTrials, s.MaxConcurrent, s.MaxSeconds), s.Alias, trials.Count, views,
            best is { } b ? views[b] : null, s.ModelId is null ? null : $"{s.Name}@{s.Alias}", s.ModelId, s.ModelVersion, s.Error,
            s.CreatedAt, s.FinishedAt, Math.Round((end - s.CreatedAt).TotalSeconds, 1));
    }

    private static SweepTrialResponse Trial(SweepTrial t, TrainingJob job, SuccessiveHalving halving)
    {
        var metrics = t.GetRungMetrics().Select(m => double.IsFinite(m) ? m : (double?)null).ToList();
        var rung = metrics.Count - 1;
        return new SweepTrialResponse(t.Index, t.JobId, job.Status, t.Architecture, t.GetPoint(), job.GetHyperparameters(), job.CurrentEpoch,
            rung, rung >= 0 ? halving.Rungs[rung] : null, metrics, rung >= 0 ? metrics[rung] : null, job.Error);
    }
}
