using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Infrastructure;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Webhooks;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using RnnService.Engine.Tuning;

namespace RnnService.Api.Sweeps;

/// <summary>
/// Every scheduling decision of a sweep, taken inside the transaction that changes one of its trials' jobs (reached a
/// rung, succeeded, failed, cancelled), by whichever replica makes that change, with the sweep's row locked first: a
/// decision and the state it was taken on commit together or not at all, so a replica killed at any point leaves
/// either the decision or nothing, and the next change of any trial takes it again.
/// </summary>
public sealed class SweepScheduler(IOptions<LimitsOptions> limits)
{
    /// <summary>Locks the sweep a job belongs to (PostgreSQL: the row, FOR UPDATE, until the transaction ends; SQLite's
    /// write transaction is already the only writer). Call it first in the transaction, before the job's row is changed,
    /// so that every transaction that touches a sweep takes the locks in the same order. Null for a job of its own.</summary>
    public static async Task<Guid?> LockForJobAsync(RnnDbContext db, Guid jobId, CancellationToken ct)
    {
        var sweepId = await db.TrainingJobs.Where(j => j.Id == jobId).Select(j => j.SweepId).FirstOrDefaultAsync(ct);
        if (sweepId is { } id) await LockAsync(db, id, ct);
        return sweepId;
    }

    public static async Task LockAsync(RnnDbContext db, Guid sweepId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Sweeps" WHERE "Id" = {sweepId} FOR UPDATE""", ct);
    }

    /// <summary>A trial's job as the scheduler reads it.</summary>
    private sealed record TrialJob(Guid Id, JobStatus Status, int CurrentEpoch, int? PauseAtEpoch, int? BestEpoch, Guid? ModelId);

    /// <summary>Records the rung metrics the trials have reached; then, while fewer than maxConcurrent trials are active,
    /// promotes a waiting trial, starts a new one, or stops; and ends the sweep once nothing is active and nothing can
    /// start. The caller holds the sweep's lock (<see cref="LockAsync"/>) and commits.</summary>
    public async Task StepAsync(RnnDbContext db, Guid sweepId, CancellationToken ct)
    {
        var sweep = await db.Sweeps.FirstOrDefaultAsync(s => s.Id == sweepId, ct);
        if (sweep is null) return;
        var now = DateTime.UtcNow;
        if (sweep.IsFinished)
        {
            // A trial that reached its rung as its sweep was cancelled: nothing will promote it.
            await EndWaitingTrialsAsync(db, sweepId, now, "The sweep was cancelled.", ct);
            return;
        }
        var trials = await db.SweepTrials.Where(t => t.SweepId == sweepId).OrderBy(t => t.Index).ToListAsync(ct);
        var jobs = await db.TrainingJobs.Where(j => j.SweepId == sweepId)
            .Select(j => new TrialJob(j.Id, j.Status, j.CurrentEpoch, j.PauseAtEpoch, j.BestEpoch, j.ModelId)).ToDictionaryAsync(j => j.Id, ct);
        var halving = sweep.Halving();
        await RecordRungMetricsAsync(db, sweep, halving, trials, jobs, ct);

        var states = trials.Select(t => State(t, jobs[t.JobId])).ToList();
        while (sweep.Status == SweepStatus.Running && states.Count(s => s.Phase == TrialPhase.Active) < sweep.MaxConcurrent)
        {
            var canStart = CanStart(sweep, trials.Count, now);
            var action = halving.Next(states, sweep.Minimize, canStart);
            if (action is SchedulerAction.Promote promote)
            {
                var target = halving.TargetAfter(promote.FromRung);
                var jobId = trials[promote.Index].JobId;
                // Resume from the rung's checkpoint (never from the start): paused to queued, with the next rung as its stop.
                await db.TrainingJobs.Where(j => j.Id == jobId && j.Status == JobStatus.Paused).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.Worker, (string?)null)
                    .SetProperty(j => j.PauseAtEpoch, target < sweep.MaxEpochs ? target : null), ct);
                states[promote.Index] = states[promote.Index] with { Phase = TrialPhase.Active };
            }
            else if (action is SchedulerAction.StartNew)
            {
                if (NewTrial(sweep, trials.Count, now) is not { } started)
                {
                    sweep.SpaceExhausted = true;
                    continue;
                }
                db.TrainingJobs.Add(started.Job);
                db.SweepTrials.Add(started.Trial);
                trials.Add(started.Trial);
                states.Add(new TrialState(started.Trial.Index, TrialPhase.Active, []));
            }
            else break;
        }
        if (sweep.Status == SweepStatus.Running && halving.IsFinished(states, sweep.Minimize, CanStart(sweep, trials.Count, now)))
            await FinishAsync(db, sweep, trials, jobs, now, ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Whether the budget allows another trial: maxTrials, a space not used up, and maxSeconds (which never
    /// keeps a sweep from its first trial, however long its creation took).</summary>
    private static bool CanStart(Sweep sweep, int started, DateTime now) =>
        !sweep.SpaceExhausted && started < sweep.MaxTrials && (started == 0 || !sweep.TimeIsUp(now));

    /// <summary>Each trial's objective at every rung its job has reached (<see cref="SuccessiveHalving.Reached"/>), read from
    /// the job's epoch rows once and kept (rungs are checkpoints, so a rung's row survives a resume). The last rung is the
    /// stored model's epoch, once the job succeeded (early stopping may keep an earlier one, or end before maxEpochs).</summary>
    private static async Task RecordRungMetricsAsync(RnnDbContext db, Sweep sweep, SuccessiveHalving halving, List<SweepTrial> trials,
        Dictionary<Guid, TrialJob> jobs, CancellationToken ct)
    {
        foreach (var trial in trials)
        {
            var job = jobs[trial.JobId];
            var metrics = trial.GetRungMetrics();
            var wanted = halving.Reached(metrics.Count, job.CurrentEpoch,
                job.Status == JobStatus.Succeeded ? job.BestEpoch ?? job.CurrentEpoch : null).ToList();
            if (wanted.Count == 0) continue;
            var epochs = wanted.Select(w => w.Epoch).ToList();
            var rows = await db.EpochMetrics.AsNoTracking().Where(m => m.JobId == job.Id && epochs.Contains(m.Epoch)).ToDictionaryAsync(m => m.Epoch, ct);
            foreach (var (_, epoch) in wanted)
                metrics.Add(rows.TryGetValue(epoch, out var row) ? Objective(sweep.Objective, row) : double.NaN);
            trial.SetRungMetrics(metrics);
        }
    }

    /// <summary>A trial's objective at one epoch: the validation metric (the training one where there is no validation split).</summary>
    public static double Objective(SweepObjective objective, JobEpoch e) => objective switch
    {
        SweepObjective.Accuracy => e.ValidationAccuracy ?? e.TrainAccuracy ?? double.NaN,
        SweepObjective.Perplexity => e.Perplexity ?? Math.Exp(e.TrainLoss),
        _ => e.ValidationLoss ?? e.TrainLoss,
    };

    private static TrialState State(SweepTrial trial, TrialJob job)
    {
        var phase = job.Status switch
        {
            JobStatus.Queued or JobStatus.Running => TrialPhase.Active,
            // Paused anywhere but at its rung: by a user, or with its sweep; it still holds its slot.
            JobStatus.Paused => job.PauseAtEpoch == job.CurrentEpoch ? TrialPhase.AtRung : TrialPhase.Active,
            _ => TrialPhase.Done,
        };
        return new TrialState(trial.Index, phase, trial.GetRungMetrics());
    }

    /// <summary>Trial <paramref name="index"/>: its point of the space (fixed by the sweep's seed and the index) merged over the
    /// sweep's settings, as a queued job that pauses at the first rung. Null when the space has no further point.</summary>
    private (TrainingJob Job, SweepTrial Trial)? NewTrial(Sweep sweep, int index, DateTime now)
    {
        var settings = sweep.GetHyperparameters();
        var space = SweepSpaces.Parse(sweep.GetSpace(), sweep.Strategy, sweep.Seed).Space!;
        if (space.Trial(index, p => SweepSpaces.Passes(sweep.Task, sweep.Architecture, settings, p, limits.Value)) is not { } point) return null;
        var (h, architecture) = point.Apply(settings, sweep.Architecture);
        var firstRung = sweep.Halving().Rungs[0];
        return Trial(sweep, index, point, h, architecture, firstRung < sweep.MaxEpochs ? firstRung : null, now);
    }

    /// <summary>
    /// Trial 0 of a sweep on the built-in space (<see cref="SweepRequests.Checked.UnchangedTrial"/>): the sweep's settings
    /// unchanged, trained as POST /train trains them (<paramref name="asJob"/>: their fitted epochs, early stopping keeping
    /// the best epoch), never paused at a rung. It reports at every rung as the other trials do, and its model competes at
    /// the last, so the sweep's best is never worse on validation than the job a user gets without a sweep.
    /// </summary>
    public static void AddUnchangedTrial(RnnDbContext db, Sweep sweep, Hyperparameters asJob, DateTime now)
    {
        var space = SweepSpaces.Parse(sweep.GetSpace(), sweep.Strategy, sweep.Seed).Space!;
        var (job, trial) = Trial(sweep, 0, space.Unchanged(sweep.GetHyperparameters(), sweep.Architecture), asJob, sweep.Architecture, null, now);
        db.TrainingJobs.Add(job);
        db.SweepTrials.Add(trial);
    }

    private static (TrainingJob Job, SweepTrial Trial) Trial(Sweep sweep, int index, SearchPoint point, Hyperparameters h,
        Architecture architecture, int? pauseAt, DateTime now)
    {
        var job = new TrainingJob
        {
            Id = Guid.NewGuid(), Status = JobStatus.Queued, Task = sweep.Task, Architecture = architecture, Dataset = sweep.Dataset,
            HyperparametersJson = JsonSerializer.Serialize(h, ApiJson.Options), TotalEpochs = h.Epochs, SweepId = sweep.Id,
            PauseAtEpoch = pauseAt, CreatedAt = now,
        };
        var trial = new SweepTrial
        {
            SweepId = sweep.Id, Index = index, JobId = job.Id, Architecture = architecture, CreatedAt = now,
            PointJson = JsonSerializer.Serialize(SweepSpaces.Describe(point), ApiJson.Options),
        };
        return (job, trial);
    }

    /// <summary>Cancels the sweep's trials that wait (queued, or paused at a rung or by its pause) and frees their checkpoints.</summary>
    public static async Task EndWaitingTrialsAsync(RnnDbContext db, Guid sweepId, DateTime now, string reason, CancellationToken ct)
    {
        var ended = await db.TrainingJobs.Where(j => j.SweepId == sweepId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Paused))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Cancelled).SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.Error, reason), ct);
        if (ended == 0) return;
        await db.Checkpoints.Where(c => db.TrainingJobs.Any(j => j.Id == c.JobId && j.SweepId == sweepId && j.Status == JobStatus.Cancelled))
            .ExecuteDeleteAsync(ct);
        await WebhookOutbox.JobsEndedAtAsync(db, now, ct);
    }

    /// <summary>The sweep is over: trials still waiting at a rung are ended (their checkpoints freed), and the best trial
    /// that trained to the end is registered as the next version of the sweep's name, with the sweep's alias.</summary>
    private static async Task FinishAsync(RnnDbContext db, Sweep sweep, List<SweepTrial> trials, Dictionary<Guid, TrialJob> jobs,
        DateTime now, CancellationToken ct)
    {
        await EndWaitingTrialsAsync(db, sweep.Id, now, "Not promoted: the sweep ended with this trial waiting at a rung.", ct);
        var finished = trials.Where(t => jobs[t.JobId] is { Status: JobStatus.Succeeded, ModelId: not null })
            .Select(t => new TrialState(t.Index, TrialPhase.Done, t.GetRungMetrics())).ToList();
        sweep.FinishedAt = now;
        if (SuccessiveHalving.Best(finished, sweep.Minimize) is not { } best)
        {
            sweep.Status = SweepStatus.Failed;
            sweep.Error = "No trial trained to the end (each one failed or was cancelled); see the trials' jobs.";
            return;
        }
        var modelId = jobs[trials[best.Index].JobId].ModelId!.Value;
        var version = await RegistryWrites.NextVersionAsync(db, sweep.Name, ct);
        await db.Models.Where(m => m.Id == modelId).ExecuteUpdateAsync(s => s.SetProperty(m => m.Name, sweep.Name).SetProperty(m => m.Version, version), ct);
        await RegistryWrites.MoveAliasAsync(db, sweep.Name, sweep.Alias, version, modelId, now, ct);
        (sweep.Status, sweep.BestTrial, sweep.ModelId, sweep.ModelVersion) = (SweepStatus.Succeeded, best.Index, modelId, version);
    }
}
