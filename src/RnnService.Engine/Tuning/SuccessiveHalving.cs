namespace RnnService.Engine.Tuning;

/// <summary>Where a trial stands for the scheduler.</summary>
public enum TrialPhase
{
    /// <summary>Queued or training towards its next rung (or paused by a user before it): holds a concurrency slot.</summary>
    Active,
    /// <summary>Stopped at a checkpoint after the rung it reported last, waiting to be promoted or ended.</summary>
    AtRung,
    /// <summary>Trained to the last rung, or ended (failed, cancelled): never scheduled again.</summary>
    Done,
}

/// <summary>A trial as the scheduler sees it: <see cref="RungMetrics"/>[k] is its objective at rung k, for each rung it reached.</summary>
public sealed record TrialState(int Index, TrialPhase Phase, IReadOnlyList<double> RungMetrics)
{
    /// <summary>The highest rung it reported at; -1 before the first.</summary>
    public int Rung => RungMetrics.Count - 1;
}

/// <summary>What to do next: promote a trial waiting at a rung, start a new trial, or nothing.</summary>
public abstract record SchedulerAction
{
    public sealed record Promote(int Index, int FromRung) : SchedulerAction;
    public sealed record StartNew : SchedulerAction;
    public sealed record Nothing : SchedulerAction;
}

/// <summary>
/// Asynchronous successive halving (ASHA, Li et al., MLSys 2020) as a pure decision: rungs at minEpochs × η^k up to
/// maxEpochs; a trial waiting at rung k is promoted when it is among the top ⌊n_k/η⌋ of the n_k trials that reported at
/// rung k, the highest rung looked at first; otherwise a new trial starts if the budget allows. Nobody waits for a rung
/// to fill. One addition to the paper: once nothing can start and nothing trains, and no trial has reached the last rung,
/// the best waiting trial of the highest rung is promoted, so that a sweep always ends with a fully trained model.
/// With minEpochs = maxEpochs (scheduler "none") there is one rung: every trial trains to the end.
/// </summary>
public sealed class SuccessiveHalving
{
    public SuccessiveHalving(int minEpochs, int maxEpochs, int eta = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, minEpochs);
        ArgumentOutOfRangeException.ThrowIfLessThan(eta, 2);
        Eta = eta;
        var rungs = new List<int>();
        for (long epochs = minEpochs; epochs < maxEpochs; epochs *= eta) rungs.Add((int)epochs);
        rungs.Add(maxEpochs);
        Rungs = rungs;
    }

    public int Eta { get; }

    /// <summary>The epoch count of each rung, ascending; the last is maxEpochs.</summary>
    public IReadOnlyList<int> Rungs { get; }

    public int LastRung => Rungs.Count - 1;

    /// <summary>The epochs a trial trains to after reporting at <paramref name="rung"/> (-1: a new trial).</summary>
    public int TargetAfter(int rung) => Rungs[Math.Min(rung + 1, LastRung)];

    /// <summary>The next action. <paramref name="canStartNew"/>: the budget allows another trial (and a slot is free;
    /// the caller asks only while one is).</summary>
    public SchedulerAction Next(IReadOnlyList<TrialState> trials, bool minimize, bool canStartNew)
    {
        for (var k = LastRung - 1; k >= 0; k--)
        {
            var reported = trials.Where(t => t.Rung >= k).ToList();
            var top = Ranked(reported, k, minimize).Take(reported.Count / Eta);
            if (top.FirstOrDefault(t => t.Phase == TrialPhase.AtRung && t.Rung == k) is { } promoted)
                return new SchedulerAction.Promote(promoted.Index, k);
        }
        if (canStartNew) return new SchedulerAction.StartNew();
        if (trials.Any(t => t.Phase == TrialPhase.Active) || trials.Any(t => t.Rung == LastRung)) return new SchedulerAction.Nothing();
        var waiting = trials.Where(t => t.Phase == TrialPhase.AtRung && t.Rung < LastRung).ToList();
        if (waiting.Count == 0) return new SchedulerAction.Nothing();
        var highest = waiting.Max(t => t.Rung);
        var best = Ranked(waiting.Where(t => t.Rung == highest).ToList(), highest, minimize).First();
        return new SchedulerAction.Promote(best.Index, highest);
    }

    /// <summary>
    /// The rungs a trial has reached beyond the <paramref name="reported"/> ones, each with the epoch whose metric it reports
    /// there: a rung's own epoch once the trial trained that far; the last rung only when the trial ended with a model
    /// (<paramref name="modelEpoch"/>: the epoch whose weights it kept, the best one under early stopping), and then also
    /// every rung it never reached (early stopping ended it first), since its model is final.
    /// </summary>
    public IEnumerable<(int Rung, int Epoch)> Reached(int reported, int epochsTrained, int? modelEpoch)
    {
        for (var k = reported; k < Rungs.Count; k++)
        {
            if (k < LastRung && Rungs[k] <= epochsTrained) yield return (k, Rungs[k]);
            else if (modelEpoch is { } epoch) yield return (k, epoch);
            else yield break;
        }
    }

    /// <summary>How many of <paramref name="trials"/> trials train to each rung when all of them run: ⌊n/η⌋ of each rung go on,
    /// and at least one reaches the last rung (the final promotion).</summary>
    public IReadOnlyList<int> TrialsPerRung(int trials)
    {
        var counts = new List<int> { trials };
        for (var k = 1; k < Rungs.Count; k++) counts.Add(Math.Max(counts[^1] / Eta, Math.Min(counts[^1], 1)));
        return counts;
    }

    /// <summary>Epochs the trials train in all when all of them run (<see cref="TrialsPerRung"/>): a promoted trial resumes
    /// from its rung's checkpoint, so it trains only the epochs between rungs.</summary>
    public int ExpectedEpochs(int trials)
    {
        var counts = TrialsPerRung(trials);
        return Enumerable.Range(0, Rungs.Count).Sum(k => counts[k] * (Rungs[k] - (k == 0 ? 0 : Rungs[k - 1])));
    }

    /// <summary>Nothing trains and nothing more will: the sweep is over.</summary>
    public bool IsFinished(IReadOnlyList<TrialState> trials, bool minimize, bool canStartNew) =>
        trials.All(t => t.Phase != TrialPhase.Active) && Next(trials, minimize, canStartNew) is SchedulerAction.Nothing;

    /// <summary>The best trial so far: the best metric at the highest rung any trial reached (ties: the earlier trial).</summary>
    public static TrialState? Best(IReadOnlyList<TrialState> trials, bool minimize)
    {
        if (trials.All(t => t.Rung < 0)) return null;
        var highest = trials.Max(t => t.Rung);
        return Ranked(trials.Where(t => t.Rung == highest).ToList(), highest, minimize).First();
    }

    /// <summary>The trials that reported at rung k, best first; NaN ranks last, ties go to the earlier trial.</summary>
    private static IEnumerable<TrialState> Ranked(IReadOnlyList<TrialState> reported, int k, bool minimize) =>
        reported.OrderBy(t => double.IsNaN(t.RungMetrics[k]) ? 1 : 0)
            .ThenBy(t => minimize ? t.RungMetrics[k] : -t.RungMetrics[k])
            .ThenBy(t => t.Index);
}
