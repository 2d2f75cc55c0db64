using RnnService.Api.Datasets;
using RnnService.Api.Jobs;
using RnnService.Api.Training;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Sweeps;

/// <summary>What POST /sweeps/estimate answers: the sweep's epochs if it runs its whole budget of trials, and their time
/// here at the first trial's speed (trials differ in size, so this is a guide; maxSeconds stops new trials anyway).</summary>
/// <param name="Trials">The budget's trials.</param>
/// <param name="Rungs">The epochs of each rung.</param>
/// <param name="TrialsPerRung">How many trials train to each rung (ASHA keeps the top 1/eta of each).</param>
/// <param name="TotalEpochs">Epochs all trials train together (a sweep on the built-in space counts its trial 0, the settings
/// trained as POST /train would, at their epoch ceiling).</param>
/// <param name="FirstTrialArchitecture">The first trial's architecture.</param>
/// <param name="FirstTrial">The first trial's settings, as its job would run them.</param>
/// <param name="EstimatedSecondsPerEpoch">The first trial's epoch, measured on a few batches here (as POST /train/estimate).</param>
/// <param name="EstimatedSeconds">Total epochs times seconds per epoch, one trial at a time.</param>
/// <param name="MaxSeconds">The budget's time: no trial starts after it.</param>
public sealed record SweepEstimate(int Trials, IReadOnlyList<int> Rungs, IReadOnlyList<int> TrialsPerRung, int TotalEpochs,
    Architecture FirstTrialArchitecture, Hyperparameters FirstTrial, double EstimatedSecondsPerEpoch, double EstimatedSeconds, int MaxSeconds)
{
    /// <param name="unchangedTrial">Trial 0's settings when the sweep has one (<see cref="SweepScheduler.AddUnchangedTrial"/>):
    /// counted at its epoch ceiling, although early stopping usually ends it sooner.</param>
    public static async Task<SweepEstimate> MeasureAsync(Sweep sweep, Hyperparameters? unchangedTrial, LimitsOptions limits,
        DatasetCatalog datasets, JobStore store, TrainingEstimates estimates, CancellationToken ct)
    {
        var settings = sweep.GetHyperparameters();
        var parsed = SweepSpaces.Parse(sweep.GetSpace(), sweep.Strategy, sweep.Seed).Space!;
        var (h, architecture) = unchangedTrial is not null ? (unchangedTrial, sweep.Architecture)
            : parsed.Trial(0, p => SweepSpaces.Passes(sweep.Task, sweep.Architecture, settings, p, limits))!.Apply(settings, sweep.Architecture);
        var halving = sweep.Halving();
        var perRung = halving.TrialsPerRung(sweep.MaxTrials);
        var epochs = unchangedTrial is null ? halving.ExpectedEpochs(sweep.MaxTrials)
            : unchangedTrial.Epochs + (sweep.MaxTrials > 1 ? halving.ExpectedEpochs(sweep.MaxTrials - 1) : 0);
        var data = (await datasets.FindAsync(sweep.Dataset, ct))!.Shape;
        var timed = await estimates.TimedAsync(DryRun.Shape(sweep.Task, architecture, sweep.Dataset, data, null, h),
            () => DryRun.MeasureAsync(sweep.Task, architecture, sweep.Dataset, h, null, 10, datasets, store, ct), ct);
        var perEpoch = Math.Round(timed.SecondsPerEpoch, 3);
        return new SweepEstimate(sweep.MaxTrials, halving.Rungs, perRung, epochs, architecture, h, perEpoch,
            Math.Round(perEpoch * epochs, 1), sweep.MaxSeconds);
    }
}
