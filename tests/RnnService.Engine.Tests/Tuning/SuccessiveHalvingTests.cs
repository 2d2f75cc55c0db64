using RnnService.Engine.Tuning;

namespace RnnService.Engine.Tests.Tuning;

public class SuccessiveHalvingTests
{
    private static TrialState Trial(int index, TrialPhase phase, params double[] metrics) => new(index, phase, metrics);

    [Fact]
    public void RungsGrowByEtaFromMinEpochsAndEndAtMaxEpochs()
    {
        Assert.Equal([1, 3, 9, 20], new SuccessiveHalving(1, 20).Rungs);
        Assert.Equal([2, 4, 8], new SuccessiveHalving(2, 8, eta: 2).Rungs);
        Assert.Equal([5], new SuccessiveHalving(5, 5).Rungs);
    }

    [Fact]
    public void ATrialInTheTopThirdOfItsRungIsPromoted()
    {
        var asha = new SuccessiveHalving(1, 9);
        var trials = new[] { Trial(0, TrialPhase.AtRung, 0.9), Trial(1, TrialPhase.AtRung, 0.5), Trial(2, TrialPhase.AtRung, 0.7) };

        Assert.Equal(new SchedulerAction.Promote(1, 0), asha.Next(trials, minimize: true, canStartNew: true));
        Assert.Equal(new SchedulerAction.Promote(0, 0), asha.Next(trials, minimize: false, canStartNew: true));
    }

    [Fact]
    public void WithFewerThanEtaReportsANewTrialStartsInsteadOfWaiting()
    {
        var asha = new SuccessiveHalving(1, 9);
        var trials = new[] { Trial(0, TrialPhase.AtRung, 0.5), Trial(1, TrialPhase.AtRung, 0.7) };

        Assert.IsType<SchedulerAction.StartNew>(asha.Next(trials, minimize: true, canStartNew: true));
    }

    [Fact]
    public void APromotedTrialIsNotPromotedAgainFromTheSameRung()
    {
        var asha = new SuccessiveHalving(1, 9);
        // Trial 1 was promoted (it trains towards rung 1); trial 0 is not in the top third.
        var trials = new[] { Trial(0, TrialPhase.AtRung, 0.9), Trial(1, TrialPhase.Active, 0.5), Trial(2, TrialPhase.AtRung, 0.7) };

        Assert.IsType<SchedulerAction.StartNew>(asha.Next(trials, minimize: true, canStartNew: true));
        Assert.IsType<SchedulerAction.Nothing>(asha.Next(trials, minimize: true, canStartNew: false));
    }

    [Fact]
    public void TheHighestRungIsLookedAtFirst()
    {
        var asha = new SuccessiveHalving(1, 27);
        var trials = new List<TrialState>();
        for (var i = 0; i < 6; i++) trials.Add(Trial(i, TrialPhase.AtRung, i / 10.0));
        // Trials 0..2 went on to rung 1 and reported there; 6..8 waits at rung 0 with the best metrics so far.
        trials[0] = Trial(0, TrialPhase.AtRung, 0.0, 0.30);
        trials[1] = Trial(1, TrialPhase.AtRung, 0.1, 0.20);
        trials[2] = Trial(2, TrialPhase.AtRung, 0.2, 0.25);
        for (var i = 6; i < 9; i++) trials.Add(Trial(i, TrialPhase.AtRung, -1.0 * i));

        Assert.Equal(new SchedulerAction.Promote(1, 1), new SuccessiveHalving(1, 27).Next(trials, minimize: true, canStartNew: true));
    }

    [Fact]
    public void WhenTheBudgetIsSpentTheBestWaitingTrialOfTheHighestRungIsFinished()
    {
        var asha = new SuccessiveHalving(1, 9);
        var trials = new[] { Trial(0, TrialPhase.AtRung, 0.5, 0.4), Trial(1, TrialPhase.AtRung, 0.6), Trial(2, TrialPhase.AtRung, 0.7),
            Trial(3, TrialPhase.Done, 0.8) };

        Assert.Equal(new SchedulerAction.Promote(0, 1), asha.Next(trials, minimize: true, canStartNew: false));
        Assert.False(asha.IsFinished(trials, minimize: true, canStartNew: false));
        var finished = trials.Select(t => t.Index == 0 ? Trial(0, TrialPhase.Done, 0.5, 0.4, 0.3) : t).ToArray();
        Assert.IsType<SchedulerAction.Nothing>(asha.Next(finished, minimize: true, canStartNew: false));
        Assert.True(asha.IsFinished(finished, minimize: true, canStartNew: false));
    }

    [Fact]
    public void NothingIsFinishedWhileATrialTrains() =>
        Assert.False(new SuccessiveHalving(3, 3).IsFinished([Trial(0, TrialPhase.Active)], minimize: true, canStartNew: false));

    [Fact]
    public void TheBestTrialIsTheBestAtTheHighestRungReached()
    {
        var trials = new[] { Trial(0, TrialPhase.Done, 0.1), Trial(1, TrialPhase.AtRung, 0.5, 0.4), Trial(2, TrialPhase.Active, 0.3, 0.35) };

        Assert.Equal(2, SuccessiveHalving.Best(trials, minimize: true)!.Index);
        Assert.Equal(1, SuccessiveHalving.Best(trials, minimize: false)!.Index);
        Assert.Null(SuccessiveHalving.Best([Trial(0, TrialPhase.Active)], minimize: true));
    }

    [Fact]
    public void NineTrialsWithEtaThreeSendThreeToTheMiddleRungAndOneToTheEnd()
    {
        // Simulates the sweep: each trial reports its fixed quality at every rung it reaches; one slot.
        var asha = new SuccessiveHalving(1, 9);
        var quality = new[] { 0.9, 0.2, 0.6, 0.4, 0.8, 0.1, 0.7, 0.3, 0.5 };
        var trials = new List<TrialState>();
        var epochs = 0;
        while (true)
        {
            var action = asha.Next(trials, minimize: true, canStartNew: trials.Count < 9);
            int index, rung;
            if (action is SchedulerAction.StartNew) { index = trials.Count; rung = 0; trials.Add(Trial(index, TrialPhase.Active)); }
            else if (action is SchedulerAction.Promote p) { index = p.Index; rung = p.FromRung + 1; }
            else break;
            epochs += asha.Rungs[rung] - (rung == 0 ? 0 : asha.Rungs[rung - 1]);
            var metrics = trials[index].RungMetrics.Append(quality[index]).ToArray();
            trials[index] = Trial(index, rung == asha.LastRung ? TrialPhase.Done : TrialPhase.AtRung, metrics);
        }

        Assert.Equal([9, 3, 1], Enumerable.Range(0, 3).Select(k => trials.Count(t => t.Rung >= k)));
        Assert.Equal(5, SuccessiveHalving.Best(trials, minimize: true)!.Index);
        Assert.Equal(9 * 1 + 3 * 2 + 1 * 6, epochs);
        Assert.Equal([9, 3, 1], asha.TrialsPerRung(9));
        Assert.Equal(epochs, asha.ExpectedEpochs(9));
    }

    [Fact]
    public void FewerTrialsThanEtaStillSendOneTrialToTheLastRung()
    {
        var asha = new SuccessiveHalving(1, 9);
        Assert.Equal([2, 1, 1], asha.TrialsPerRung(2));
        Assert.Equal(2 + 2 + 6, asha.ExpectedEpochs(2));
        Assert.Equal(4 * 5, new SuccessiveHalving(5, 5).ExpectedEpochs(4));
    }

    [Fact]
    public void ARungIsReachedAtItsEpochAndTheLastOnlyByAModelWhoseEpochItReports()
    {
        var asha = new SuccessiveHalving(1, 9); // rungs 1, 3, 9

        Assert.Equal([(0, 1), (1, 3)], asha.Reached(reported: 0, epochsTrained: 4, modelEpoch: null));
        Assert.Equal([(1, 3)], asha.Reached(reported: 1, epochsTrained: 3, modelEpoch: null));
        // At maxEpochs but not yet ended with a model: the last rung waits for it.
        Assert.Empty(asha.Reached(reported: 2, epochsTrained: 9, modelEpoch: null));
        // Early stopping kept epoch 7 of 10: that model is what the last rung ranks.
        Assert.Equal([(2, 7)], asha.Reached(reported: 2, epochsTrained: 10, modelEpoch: 7));
    }

    [Fact]
    public void ATrialThatEndedBeforeARungReportsItsModelAtEveryRungItSkipped()
    {
        var asha = new SuccessiveHalving(1, 9);

        // Early stopping ended it after epoch 2 and kept epoch 1: rung 0 at epoch 1, then its model at rungs 1 and 2.
        Assert.Equal([(0, 1), (1, 1), (2, 1)], asha.Reached(reported: 0, epochsTrained: 2, modelEpoch: 1));
    }
}
