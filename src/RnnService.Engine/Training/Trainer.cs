using System.Diagnostics;
using RnnService.Engine.Core;
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;

namespace RnnService.Engine.Training;

/// <summary>
/// Trains a model from data: seeded initialisation and mini-batches, per-epoch metrics, optional
/// validation-based early stopping that keeps the best weights, checkpoints after the epochs the caller asks for, and
/// exact resume from one. Runs synchronously on the calling thread.
/// </summary>
public static class Trainer
{
    /// <exception cref="ArgumentException">Bad hyper-parameters (ParamName names the field), architecture, or data.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked between batches.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <param name="initFrom">Fine-tuning: start from this model's weights and vocabulary (words or characters the
    /// data has beyond it read as &lt;unk&gt;); it must keep what <see cref="FineTuneRules"/> says (else an
    /// ArgumentException with ParamName "initFrom").</param>
    /// <exception cref="InsufficientMemoryException">Ran out of memory; the message says which settings to reduce.</exception>
    public static TrainingResult Train(TaskKind task, Architecture architecture, Hyperparameters hyperparameters,
        TrainingData data, TrainingCallbacks? callbacks = null, TrainingCheckpoint? resumeFrom = null,
        CancellationToken cancellationToken = default, RnnModel? initFrom = null)
    {
        try
        {
            return TrainUnguarded(task, architecture, hyperparameters, data, callbacks, resumeFrom, cancellationToken, initFrom);
        }
        catch (OutOfMemoryException ex) when (ex is not InsufficientMemoryException)
        {
            // The runtime's message ("Exception of type ...") tells a user nothing; say what to reduce.
            long estimate = hyperparameters.EstimateTrainingMemoryBytes(task, architecture);
            string longest = task == TaskKind.Sentiment ? "maxSequenceLength" : "sequenceLength";
            throw new InsufficientMemoryException(
                $"Training ran out of memory (estimated peak about {estimate / (1024 * 1024):N0} MiB). " +
                $"Reduce batchSize, {longest}, hiddenSize, embeddingSize or layers.", ex);
        }
    }

    private static TrainingResult TrainUnguarded(TaskKind task, Architecture architecture, Hyperparameters hyperparameters,
        TrainingData data, TrainingCallbacks? callbacks, TrainingCheckpoint? resumeFrom, CancellationToken cancellationToken,
        RnnModel? initFrom)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(data);
        hyperparameters.Validate(task);
        var hp = hyperparameters;
        if (!Enum.IsDefined(architecture)) throw new ArgumentException($"Unknown architecture {architecture}.", nameof(architecture));
        FineTuneRules.Check(initFrom, task, architecture, hp, data);
        TrainingTask job = (task, data) switch
        {
            (TaskKind.Sentiment, SentimentData d) => new SentimentTask(d, hp, initFrom?.Config.Vocabulary),
            (TaskKind.CharLm, TextCorpus c) => new CharLanguageModelTask(c, hp, initFrom?.Config.Vocabulary),
            (TaskKind.Sentiment or TaskKind.CharLm, _) => throw new ArgumentException($"A {task} model cannot train on {data.GetType().Name}.", nameof(data)),
            _ => throw new ArgumentException($"Unknown task {task}.", nameof(task)),
        };

        var config = job.CreateConfig(architecture);
        var network = config.CreateNetwork();
        var p = network.Parameters;
        var rng = new Rng(hp.Seed);
        network.Initialize(rng);
        // Pretrained rows replace the vocabulary's initial ones after the seeded initialisation, which stays as without them.
        if (network.Embedding.Frozen && initFrom is null) network.Embedding.CopyPretrainedRows(config.Vocabulary);
        if (initFrom != null)
        {
            initFrom.Network.Parameters.Values.CopyTo(p.Values, 0);
            p.MarkChanged();
        }
        Optimizer optimizer = hp.Optimizer == OptimizerKind.Adam
            ? new Adam(p.Count - network.FirstTrainable, hp.LearningRate, weightDecay: hp.WeightDecay)
            : new Sgd(p.Count - network.FirstTrainable, hp.LearningRate, hp.Momentum);

        var history = new List<EpochMetrics>();
        double bestLoss = double.PositiveInfinity;
        float[]? bestWeights = null;
        int sinceBest = 0, startEpoch = 0;
        if (resumeFrom != null)
        {
            RequireCompatible(resumeFrom.Config, config);
            resumeFrom.Weights.CopyTo(p.Values, 0);
            p.MarkChanged();
            optimizer.RestoreState(resumeFrom.OptimizerSteps, resumeFrom.OptimizerState);
            rng = Rng.FromState(resumeFrom.RngState);
            history.AddRange(resumeFrom.History);
            bestLoss = resumeFrom.BestLoss;
            bestWeights = resumeFrom.BestWeights?.ToArray();
            sinceBest = resumeFrom.EpochsSinceBest;
            startEpoch = resumeFrom.Epoch;
        }

        // Patience 0 (or null) turns early stopping off: every epoch runs and the last weights stay.
        int patience = hp.EarlyStoppingPatience ?? 0;
        bool stoppedEarly = patience > 0 && startEpoch > 0 && sinceBest >= patience;
        for (int epoch = startEpoch + 1; epoch <= hp.Epochs && !stoppedEarly; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var (trainLoss, trainAccuracy) = job.TrainEpoch(network, optimizer, rng, cancellationToken);
            double? validationLoss = null, validationAccuracy = null;
            if (job.HasValidation)
            {
                (double vl, validationAccuracy) = job.Evaluate(network);
                if (!double.IsFinite(vl)) throw new TrainingDivergedException($"The validation loss became {vl}.");
                validationLoss = vl;
            }
            double? perplexity = task == TaskKind.CharLm ? Math.Exp(validationLoss ?? trainLoss) : null;
            var metrics = new EpochMetrics(epoch, trainLoss, trainAccuracy, validationLoss, validationAccuracy, perplexity,
                clock.Elapsed.TotalSeconds);
            history.Add(metrics);

            double monitored = validationLoss ?? trainLoss;
            if (monitored < bestLoss)
            {
                bestLoss = monitored;
                sinceBest = 0;
                if (patience > 0) p.Values.CopyTo(bestWeights ??= new float[p.Values.Length], 0);
            }
            else sinceBest++;
            if (patience > 0 && sinceBest >= patience) stoppedEarly = true;

            callbacks?.OnEpoch?.Invoke(metrics);
            if (callbacks?.OnCheckpoint is { } onCheckpoint && (callbacks.CheckpointDue?.Invoke(epoch) ?? true))
                onCheckpoint(new TrainingCheckpoint
            {
                Epoch = epoch, Config = config, Weights = (float[])p.Values.Clone(), OptimizerSteps = optimizer.Steps,
                OptimizerState = optimizer.StateBuffers.Select(b => (float[])b.Clone()).ToList(), RngState = rng.GetState(),
                History = history.ToList(), BestLoss = bestLoss, BestWeights = bestWeights?.ToArray(), EpochsSinceBest = sinceBest,
            });
        }

        if (patience > 0 && bestWeights != null)
        {
            bestWeights.CopyTo(p.Values, 0);
            p.MarkChanged();
        }
        var model = RnnModel.Create(config, network);
        // Line models keep a hash of every corpus line, so generation can avoid returning one.
        if (model is CharLanguageModel lm && data is TextCorpus { LineMode: true } corpus)
            lm.TrainingLines = Sampling.TrainingLineSet.FromLines(Tokenizers.CharTokenizer.SplitLines(corpus.Text));
        // Early stopping restores the weights of the last improvement, sinceBest epochs before the end.
        int lastEpoch = history.Count > 0 ? history[^1].Epoch : 0;
        int bestEpoch = patience > 0 && bestWeights != null ? lastEpoch - sinceBest : lastEpoch;
        return new TrainingResult(model, history, stoppedEarly, bestEpoch);
    }

    /// <summary>A checkpoint must come from the same model shape and vocabulary; the epoch count may grow.</summary>
    private static void RequireCompatible(ModelConfig saved, ModelConfig current)
    {
        bool same = saved.Task == current.Task && saved.Architecture == current.Architecture
            && saved.VocabularySize == current.VocabularySize && saved.EmbeddingSize == current.EmbeddingSize
            && saved.HiddenSize == current.HiddenSize && saved.Layers == current.Layers
            && saved.Vocabulary.SequenceEqual(current.Vocabulary)
            && saved.Hyperparameters == current.Hyperparameters with { Epochs = saved.Hyperparameters.Epochs };
        if (!same) throw new ArgumentException("The checkpoint was made by a different model or different settings.", "resumeFrom");
    }
}
