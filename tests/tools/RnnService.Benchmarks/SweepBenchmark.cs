// The "sweep" workload (issue 21): the service's auto sweep (POST /sweeps with only a task and a dataset) run by the engine
// in this process, ASHA against random search over the same trials trained to the end, and the defaults' job beside them.
using System.Diagnostics;
using RnnService.Api;
using RnnService.Api.Datasets;
using RnnService.Api.Jobs;
using RnnService.Api.Sweeps;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Training;
using RnnService.Engine.Tuning;

namespace RnnService.Benchmarks;

/// <summary>
/// The sweep the service would make of <c>{"task", "dataset"}</c> (<see cref="SweepRequests.Check"/>: the built-in space,
/// seed, budget, rungs and maxEpochs) is run here one trial at a time, as the service's default maxConcurrent 1 runs it,
/// with the engine's own decisions (<see cref="SuccessiveHalving"/>, <see cref="SweepSpaces.Passes"/>,
/// <see cref="SweepScheduler.Objective"/>): a trial trains to its rung, its checkpoint is kept, and a promotion resumes
/// from it; trial 0 is the sweep's own settings trained as POST /train would, as the service adds it. Random search is the
/// same loop with one rung at maxEpochs over the trials ASHA started (same seed, same points, trial 0 alike). No HTTP and no
/// database, so the figures are the algorithm's, not the service's overhead.
/// </summary>
internal static class SweepBenchmark
{
    public static readonly string[] Datasets = [BuiltInDatasets.ImdbSentences, BuiltInDatasets.UsNames];

    /// <summary>The datasets with a fixed held-out fifth (<see cref="SentimentData.HeldOutFifth"/>); us-names has none.</summary>
    public static readonly string[] HeldOutDatasets = [BuiltInDatasets.ImdbSentences];

    /// <summary>One sweep's outcome: the best trial's objective (and its accuracy or perplexity), epochs trained in all, wall time;
    /// with --held-out, the best model's accuracy on the held-out fifth.</summary>
    public sealed record Outcome(int Trials, double Objective, double? Metric, int Epochs, double Seconds, string Point, double? HeldOut);

    /// <summary>The three runs on one dataset; the auto sweep's objective is the validation loss.</summary>
    public sealed record Figures(string Dataset, string Metric, IReadOnlyList<int> Rungs, Outcome Asha, Outcome Random, Outcome Defaults)
    {
        /// <summary>ASHA's best loss against random search's: 0.004 is 0.4 % worse.</summary>
        public double Shortfall => (Asha.Objective - Random.Objective) / Math.Abs(Random.Objective);
        public double EpochRatio => Asha.Epochs / (double)Random.Epochs;
        public bool GoalMet => Shortfall <= 0.005 && EpochRatio <= 1 / 3.0;
    }

    public const string TableHeader = "| dataset | sweep | trials | best validation loss | its metric | held-out accuracy | epochs | wall s | " +
        "best trial's point |\n|---|---|---:|---:|---:|---:|---:|---:|---|";

    /// <param name="maxEpochs">The request's maxEpochs (null: the auto sweep's, the fitted step budget).</param>
    /// <param name="heldOut">Only the <see cref="HeldOutDatasets"/>, each swept and trained on its four other fifths (as the
    /// service would see them uploaded, so the space and defaults fit their size) and its best models scored on the fifth.</param>
    /// <param name="seed">The request's seed (null: the auto sweep's): other seeds draw other trials.</param>
    public static IReadOnlyList<Figures> Run(bool quick, int? maxEpochs, bool heldOut, int? seed)
    {
        var all = new List<Figures>();
        foreach (var name in heldOut ? HeldOutDatasets : Datasets)
        {
            var data = BuiltInDatasets.Load(name);
            var facts = DatasetCatalog.BuiltInFacts(name);
            IReadOnlyList<SentimentExample>? test = null;
            if (heldOut)
            {
                (data, test) = ((SentimentData)data).HeldOutFifth();
                facts = facts with { Shape = DataShape.Of(data) };
            }
            // --quick: a smoke run of three short trials; the figures mean nothing.
            var request = quick
                ? new SweepRequest(facts.Task, name, Seed: seed, MaxEpochs: 3, Budget: new SweepBudget(MaxTrials: 3))
                : new SweepRequest(facts.Task, name, Seed: seed, MaxEpochs: maxEpochs);
            var limits = new LimitsOptions();
            var (sweep, _, unchanged) = SweepRequests.Check(request, facts, limits);
            if (sweep is null) throw new InvalidOperationException($"The auto sweep of {name} was refused.");
            var halving = sweep.Halving();
            Console.WriteLine($"sweep {name}{(heldOut ? $" (training part, {facts.Shape.Samples} texts)" : "")}: seed {sweep.Seed}, " +
                $"{sweep.MaxTrials} trials, rungs {string.Join("/", halving.Rungs)} epochs, space {sweep.SpaceJson}");
            var asha = RunSweep(sweep, halving, unchanged, sweep.MaxTrials, data, limits, test);
            var random = RunSweep(sweep, new SuccessiveHalving(sweep.MaxEpochs, sweep.MaxEpochs, sweep.Eta), unchanged, asha.Trials, data, limits, test);
            var defaults = RunDefaults(sweep, facts, data, test);
            var figures = new Figures(name, facts.Task == TaskKind.Sentiment ? "accuracy" : "perplexity", halving.Rungs, asha, random, defaults);
            Console.WriteLine(Line(figures));
            all.Add(figures);
        }
        return all;
    }

    public static string Line(Figures f) =>
        $"sweep {f.Dataset}  ASHA {f.Asha.Objective:F4} in {f.Asha.Epochs} epochs, {f.Asha.Seconds:F0} s  random {f.Random.Objective:F4} in " +
        $"{f.Random.Epochs} epochs, {f.Random.Seconds:F0} s  ASHA/random: best {f.Shortfall * 100:+0.00;-0.00} %, epochs {f.EpochRatio:F2}, " +
        $"time {f.Asha.Seconds / f.Random.Seconds:F2}  goal (within 0.5 %, at most 1/3 of the epochs) {(f.GoalMet ? "met" : "not met")}" +
        (f.Defaults.HeldOut is { } d ? $"  held-out accuracy: ASHA's best {f.Asha.HeldOut:F3}, random's best {f.Random.HeldOut:F3}, the defaults {d:F3}, " +
            $"ASHA - defaults {(f.Asha.HeldOut - d) * 100:+0.0;-0.0;0.0} points" : "");

    public static IEnumerable<string> Rows(Figures f)
    {
        string Row(string sweep, Outcome o) =>
            $"| {f.Dataset} | {sweep} | {o.Trials} | {o.Objective:F4} | {f.Metric} {o.Metric:F3} | {(o.HeldOut is { } h ? h.ToString("F3") : "-")} | " +
            $"{o.Epochs} | {o.Seconds:F0} | {o.Point} |";
        yield return Row($"ASHA (rungs {string.Join("/", f.Rungs)})", f.Asha);
        yield return Row($"random, each trial to {f.Rungs[^1]} epochs", f.Random);
        yield return Row("the defaults' job (early stopping keeps its best epoch)", f.Defaults);
    }

    /// <summary>Trains the sweep's trials one at a time as <paramref name="halving"/> decides, resuming promoted trials from
    /// their rung's checkpoint; the best trial that reached the last rung wins, as when the service ends a sweep. Trial 0 is
    /// <paramref name="unchanged"/>, trained to its end in one go, when given (<see cref="SweepScheduler.AddUnchangedTrial"/>).
    /// The winner's model (the one its job keeps) is scored on <paramref name="test"/> when given.</summary>
    private static Outcome RunSweep(Sweep sweep, SuccessiveHalving halving, Hyperparameters? unchanged, int maxTrials, TrainingData data,
        LimitsOptions limits, IReadOnlyList<SentimentExample>? test)
    {
        var settings = sweep.GetHyperparameters();
        var space = SweepSpaces.Parse(sweep.GetSpace(), sweep.Strategy, sweep.Seed).Space!;
        var states = new List<TrialState>();
        var trials = new List<(Hyperparameters Settings, Architecture Architecture, SearchPoint Point, bool Pauses)>();
        var checkpoints = new List<TrainingCheckpoint?>();
        var metrics = new List<double?>();
        var models = new List<RnnModel?>();
        int epochs = 0;
        bool exhausted = false;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            bool canStart = !exhausted && trials.Count < maxTrials && (trials.Count == 0 || clock.Elapsed.TotalSeconds < sweep.MaxSeconds);
            var action = halving.Next(states, sweep.Minimize, canStart);
            int index, fromRung;
            if (action is SchedulerAction.Promote promote) (index, fromRung) = (promote.Index, promote.FromRung);
            else if (action is SchedulerAction.StartNew)
            {
                if (trials.Count == 0 && unchanged is not null)
                    trials.Add((unchanged, sweep.Architecture, space.Unchanged(settings, sweep.Architecture), Pauses: false));
                else if (space.Trial(trials.Count, p => SweepSpaces.Passes(sweep.Task, sweep.Architecture, settings, p, limits)) is { } point)
                {
                    var (h, architecture) = point.Apply(settings, sweep.Architecture);
                    trials.Add((h, architecture, point, Pauses: true));
                }
                else
                {
                    exhausted = true;
                    continue;
                }
                checkpoints.Add(null);
                metrics.Add(null);
                models.Add(null);
                states.Add(new TrialState(trials.Count - 1, TrialPhase.Active, []));
                (index, fromRung) = (trials.Count - 1, -1);
            }
            else break;

            var trial = trials[index];
            int target = trial.Pauses ? halving.TargetAfter(fromRung) : trial.Settings.Epochs;
            TrainingCheckpoint? reached = null;
            var callbacks = new TrainingCallbacks { CheckpointDue = e => e == target, OnCheckpoint = c => reached = c };
            int from = checkpoints[index]?.Epoch ?? 0;
            try
            {
                var result = Trainer.Train(sweep.Task, trial.Architecture, trial.Settings with { Epochs = target }, data, callbacks, checkpoints[index]);
                epochs += result.History[^1].Epoch - from;
                bool ended = target == trial.Settings.Epochs;
                // A trial that ended frees its checkpoint, as a finished job does; its rungs as the service records them.
                checkpoints[index] = ended ? null : reached;
                var reported = halving.Reached(states[index].RungMetrics.Count, result.History[^1].Epoch, ended ? result.BestEpoch : null)
                    .Select(r => JobEpoch.From(Guid.Empty, result.History.Single(m => m.Epoch == r.Epoch), DateTime.UtcNow)).ToList();
                if (ended) (metrics[index], models[index]) = (reported[^1].ValidationAccuracy ?? reported[^1].Perplexity, result.Model);
                states[index] = new TrialState(index, ended ? TrialPhase.Done : TrialPhase.AtRung,
                    [.. states[index].RungMetrics, .. reported.Select(e => SweepScheduler.Objective(sweep.Objective, e))]);
            }
            catch (TrainingDivergedException)
            {
                // A failed job: never scheduled again, its rungs as reported.
                checkpoints[index] = null;
                states[index] = states[index] with { Phase = TrialPhase.Done };
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var finished = states.Where(s => s.Rung == halving.LastRung).ToList();
        var best = SuccessiveHalving.Best(finished, sweep.Minimize) ?? throw new InvalidOperationException("No trial trained to the end.");
        string described = string.Join(", ", SweepSpaces.Describe(trials[best.Index].Point).Select(kv => $"{kv.Key} {kv.Value}"));
        return new Outcome(trials.Count, best.RungMetrics[^1], metrics[best.Index], epochs, seconds, $"trial {best.Index}: {described}",
            HeldOutAccuracy(models[best.Index]!, test));
    }

    /// <summary>The job POST /train makes of the dataset with no settings: the fitted defaults, early stopping keeping the best epoch.</summary>
    private static Outcome RunDefaults(Sweep sweep, DatasetFacts facts, TrainingData data, IReadOnlyList<SentimentExample>? test)
    {
        var h = HyperparameterRules.Merge(facts.Task, null, facts.Shape);
        var clock = Stopwatch.StartNew();
        var result = Trainer.Train(facts.Task, Architecture.Lstm, h, data);
        double seconds = clock.Elapsed.TotalSeconds;
        var epoch = JobEpoch.From(Guid.Empty, result.ModelMetrics!, DateTime.UtcNow);
        return new Outcome(1, SweepScheduler.Objective(sweep.Objective, epoch), epoch.ValidationAccuracy ?? epoch.Perplexity,
            result.History.Count, seconds, $"the defaults (best epoch {result.BestEpoch} of {result.History.Count})", HeldOutAccuracy(result.Model, test));
    }

    private static double? HeldOutAccuracy(RnnModel model, IReadOnlyList<SentimentExample>? test) =>
        test is null ? null : ((SentimentClassifier)model).Accuracy(test);
}
