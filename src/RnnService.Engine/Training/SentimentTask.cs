using RnnService.Engine.Core;
using RnnService.Engine.Embeddings;
using RnnService.Engine.Models;
using RnnService.Engine.Optimizers;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Training;

/// <summary>Binary sentiment: word ids, padded batches, BCE on the last real token's state.</summary>
internal sealed class SentimentTask : TrainingTask
{
    private readonly WordTokenizer _tokenizer;
    private readonly int[][] _train, _validation;
    private readonly float[] _trainLabels, _validationLabels;
    private int[] _tokens = [], _lengths = [];
    private float[] _labels = [], _probabilities = [];

    /// <param name="vocabulary">A fine-tuned model's vocabulary (its base model's); null builds one from the training texts.</param>
    public SentimentTask(SentimentData data, Hyperparameters hp, IReadOnlyList<string>? vocabulary = null) : base(hp)
    {
        IReadOnlyList<SentimentExample> train, validation;
        if (data.Test is { Count: > 0 })
        {
            train = data.Train;
            validation = data.Test;
        }
        else
        {
            var (t, v) = Split(data.Train.Count, hp.ValidationFraction, hp.Seed);
            train = t.Select(i => data.Train[i]).ToList();
            validation = v.Select(i => data.Train[i]).ToList();
        }
        var pretrained = hp.PretrainedEmbeddings is { } name ? BuiltInWordVectors.Load(name) : null;
        _tokenizer = vocabulary is null
            ? WordTokenizer.Build(train.Select(e => e.Text), hp.MaxVocabulary, pretrained)
            : new WordTokenizer(vocabulary, pretrained);
        _train = train.Select(e => SentimentClassifier.EncodeForModel(_tokenizer, e.Text, hp.MaxSequenceLength, null)).ToArray();
        _trainLabels = train.Select(e => (float)e.Label).ToArray();
        _validation = validation.Select(e => SentimentClassifier.EncodeForModel(_tokenizer, e.Text, hp.MaxSequenceLength, null)).ToArray();
        _validationLabels = validation.Select(e => (float)e.Label).ToArray();
    }

    public override bool HasValidation => _validation.Length > 0;

    public override ModelConfig CreateConfig(Architecture architecture) => new()
    {
        Task = TaskKind.Sentiment, Architecture = architecture, VocabularySize = _tokenizer.Count,
        EmbeddingSize = Hp.EmbeddingSize, HiddenSize = Hp.HiddenSize, Layers = Hp.Layers, OutputSize = 1,
        Vocabulary = _tokenizer.Vocabulary, Hyperparameters = Hp,
    };

    public override (double Loss, double? Accuracy) TrainEpoch(RecurrentNetwork network, Optimizer optimizer, Rng rng, CancellationToken cancellationToken)
    {
        var order = Enumerable.Range(0, _train.Length).ToArray();
        rng.Shuffle(order);
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < order.Length; start += Hp.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int b = Math.Min(Hp.BatchSize, order.Length - start);
            int t = Gather(_train, _trainLabels, order.AsSpan(start, b));
            float loss = network.ClassifierLoss(_tokens.AsSpan(0, b * t), t, b, _lengths.AsSpan(0, b), _labels.AsSpan(0, b),
                backward: true, _probabilities.AsSpan(0, b), rng);
            ApplyGradients(network, optimizer, loss);
            lossSum += (double)loss * b;
            correct += CountCorrect(b);
        }
        return (lossSum / order.Length, (double)correct / order.Length);
    }

    public override (double Loss, double? Accuracy) Evaluate(RecurrentNetwork network)
    {
        double lossSum = 0;
        int correct = 0;
        var all = Enumerable.Range(0, _validation.Length).ToArray();
        for (int start = 0; start < all.Length; start += Hp.EvaluationBatchSize())
        {
            int b = Math.Min(Hp.EvaluationBatchSize(), all.Length - start);
            int t = Gather(_validation, _validationLabels, all.AsSpan(start, b));
            float loss = network.ClassifierLoss(_tokens.AsSpan(0, b * t), t, b, _lengths.AsSpan(0, b), _labels.AsSpan(0, b),
                backward: false, _probabilities.AsSpan(0, b));
            lossSum += (double)loss * b;
            correct += CountCorrect(b);
        }
        return (lossSum / all.Length, (double)correct / all.Length);
    }

    /// <summary>Copies the chosen sequences into a zero-padded batch [B, T]; returns T.</summary>
    private int Gather(int[][] sequences, float[] labels, ReadOnlySpan<int> indices)
    {
        int b = indices.Length, t = 1;
        foreach (int i in indices) t = Math.Max(t, sequences[i].Length);
        RecurrentNetwork.Ensure(ref _tokens, b * t);
        RecurrentNetwork.Ensure(ref _lengths, b);
        RecurrentNetwork.Ensure(ref _labels, b);
        RecurrentNetwork.Ensure(ref _probabilities, b);
        Array.Clear(_tokens, 0, b * t);
        for (int row = 0; row < b; row++)
        {
            var seq = sequences[indices[row]];
            seq.CopyTo(_tokens, row * t);
            _lengths[row] = seq.Length;
            _labels[row] = labels[indices[row]];
        }
        return t;
    }

    private int CountCorrect(int b)
    {
        int correct = 0;
        for (int i = 0; i < b; i++) if ((_probabilities[i] >= 0.5f ? 1f : 0f) == _labels[i]) correct++;
        return correct;
    }
}
