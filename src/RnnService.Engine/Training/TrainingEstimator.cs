using System.Diagnostics;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Training;

/// <summary>Sizes a training run and times a few batches of it on this machine, without keeping anything.</summary>
public static class TrainingEstimator
{
    /// <param name="timedBatches">Training batches in the timed slice of the data.</param>
    /// <exception cref="ArgumentException">As <see cref="Trainer.Train"/>: bad hyper-parameters, data, or base model.</exception>
    public static TrainingEstimate Estimate(TaskKind task, Architecture architecture, Hyperparameters hp, TrainingData data,
        RnnModel? initFrom = null, int timedBatches = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hp);
        hp.Validate();
        FineTuneRules.Check(initFrom, task, architecture, hp, data);
        var vocabulary = initFrom?.Config.Vocabulary;
        TrainingTask full = (task, data) switch
        {
            (TaskKind.Sentiment, SentimentData d) => new SentimentTask(d, hp, vocabulary),
            (TaskKind.CharLm, TextCorpus c) => new CharLanguageModelTask(c, hp, vocabulary),
            _ => throw new ArgumentException($"A {task} model cannot train on {data.GetType().Name}.", nameof(data)),
        };
        var config = full.CreateConfig(architecture);
        long parameters = config.CreateNetwork().Parameters.Count;

        var (slice, examples, scale) = Slice(data, hp, Math.Max(1, timedBatches));
        var seconds = WarmEpochSeconds((callbacks, token) => Trainer.Train(task, architecture, hp with { Epochs = 1000, EarlyStoppingPatience = 0 },
            slice, callbacks, cancellationToken: token, initFrom: initFrom), cancellationToken) * scale;
        return new TrainingEstimate(parameters, MemoryBytes(config, hp, parameters), seconds, examples);
    }

    /// <summary>Trains the slice epoch after epoch until the code is warm, and answers the fastest epoch after the
    /// first. A short slice runs in the JIT's first tier at first, several times slower than a long job runs (the
    /// tiered compiler replaces hot methods after about 100 ms), so a few epochs are not enough: it goes on for
    /// <see cref="WarmUp"/>, or stops after the epoch that passes <see cref="Slow"/> (a slow epoch is mostly warm code,
    /// and the largest models would otherwise cost tens of seconds here).</summary>
    /// <param name="train">Trains the slice for up to 1000 epochs with these callbacks, until the token is cancelled.</param>
    internal static double WarmEpochSeconds(Action<TrainingCallbacks, CancellationToken> train, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var callbacks = new TrainingCallbacks
        {
            OnEpoch = m =>
            {
                times.Add(m.Seconds);
                if ((times.Count >= 3 && clock.Elapsed >= WarmUp) || clock.Elapsed >= Slow) enough.Cancel();
            },
        };
        try
        {
            train(callbacks, enough.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        catch (TrainingDivergedException) when (times.Count >= 2)
        {
            // Many epochs on a small slice may diverge where the real job would not; the times are what counts here.
        }
        return times.Count > 1 ? times.Skip(1).Min() : times[0];
    }

    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(2);

    /// <summary>The first examples of the data, enough for <paramref name="batches"/> training batches after the
    /// validation split; and how many times bigger the whole data is.</summary>
    private static (TrainingData Slice, int Examples, double Scale) Slice(TrainingData data, Hyperparameters hp, int batches)
    {
        var keep = 1 - hp.ValidationFraction;
        switch (data)
        {
            case SentimentData { Test.Count: > 0 } d:
            {
                int n = Math.Min(d.Train.Count, batches * hp.BatchSize);
                int test = Math.Max(1, (int)Math.Ceiling(d.Test!.Count * (double)n / d.Train.Count));
                return (new SentimentData(d.Train.Take(n).ToList(), d.Test.Take(test).ToList()), n, (double)d.Train.Count / n);
            }
            case SentimentData d:
            {
                int n = Math.Min(d.Train.Count, (int)Math.Ceiling(batches * hp.BatchSize / keep));
                return (new SentimentData(d.Train.Take(n).ToList()), n, (double)d.Train.Count / n);
            }
            case TextCorpus { LineMode: true } c:
            {
                var lines = CharTokenizer.SplitLines(c.Text);
                int n = Math.Min(lines.Count, Math.Max(2, (int)Math.Ceiling(batches * hp.BatchSize / keep)));
                return (new TextCorpus(string.Join('\n', lines.Take(n)), true), n, (double)lines.Count / n);
            }
            case TextCorpus c:
            {
                int n = Math.Min(c.Text.Length, (int)Math.Ceiling((batches * hp.BatchSize * hp.SequenceLength + 1) / keep));
                return (new TextCorpus(c.Text[..n], false), n, (double)c.Text.Length / n);
            }
            default:
                throw new ArgumentException($"Unknown data {data.GetType().Name}.", nameof(data));
        }
    }

    /// <summary>Weights + gradients + optimizer state (Adam 2, SGD with momentum 1 buffer), plus what one batch's
    /// forward pass keeps for the backward pass: per layer and step the gates and states, and the logits.</summary>
    private static long MemoryBytes(ModelConfig config, Hyperparameters hp, long parameters)
    {
        int buffers = hp.Optimizer == OptimizerKind.Adam ? 2 : hp.Momentum > 0 ? 1 : 0;
        long gates = config.Architecture switch { Architecture.Lstm => 4, Architecture.Gru => 3, _ => 1 };
        long steps = config.Task == TaskKind.CharLm ? hp.SequenceLength : hp.MaxSequenceLength;
        long perStep = config.EmbeddingSize + config.Layers * (gates + 3) * config.HiddenSize
            + (config.Task == TaskKind.CharLm ? 2L * config.OutputSize : 0);
        long activations = 2 * hp.BatchSize * steps * perStep; // forward values and their gradients
        return sizeof(float) * ((2 + buffers) * parameters + activations);
    }
}
