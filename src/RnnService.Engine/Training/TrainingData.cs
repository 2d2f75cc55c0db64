namespace RnnService.Engine.Training;

/// <summary>What a model trains on: <see cref="SentimentData"/> or <see cref="TextCorpus"/>.</summary>
public abstract record TrainingData;

/// <summary>One labelled sentence; <see cref="Label"/> is 0 (negative) or 1 (positive).</summary>
public sealed record SentimentExample(string Text, int Label)
{
    public string Text { get; init; } = !string.IsNullOrWhiteSpace(Text)
        ? Text
        : throw new ArgumentException("The text must not be empty.", nameof(Text));

    public int Label { get; init; } = Label is 0 or 1
        ? Label
        : throw new ArgumentOutOfRangeException(nameof(Label), Label, "The label must be 0 (negative) or 1 (positive).");
}

/// <summary>Labelled sentences for binary sentiment: a non-empty training set and an optional test set.</summary>
public sealed record SentimentData(IReadOnlyList<SentimentExample> Train, IReadOnlyList<SentimentExample>? Test = null) : TrainingData
{
    public IReadOnlyList<SentimentExample> Train { get; init; } = ValidExamples(Train, nameof(Train), allowEmpty: false);

    public IReadOnlyList<SentimentExample>? Test { get; init; } = Test is null ? null : ValidExamples(Test, nameof(Test), allowEmpty: true);

    /// <summary>
    /// A fixed, seeded hold-out split of the training examples (for evaluations that must never be seen by
    /// training or by validation): the remaining examples as new data without a test set, and the held-out share in file order.
    /// </summary>
    public (SentimentData Remaining, IReadOnlyList<SentimentExample> HeldOut) HoldOut(float fraction, int seed)
    {
        var (remaining, heldOut) = TrainingTask.Split(Train.Count, fraction, seed);
        return (new SentimentData(remaining.Select(i => Train[i]).ToList()), heldOut.Select(i => Train[i]).ToList());
    }

    /// <summary>
    /// The fixed held-out fifth (20 %, seed 2026) that the quality figures of a sentiment dataset without a test set are scored
    /// on: DefaultModelQualityTests, tests/tools/RnnService.Quality (docs/quality.md) and the sweep benchmark's --held-out.
    /// </summary>
    public (SentimentData Remaining, IReadOnlyList<SentimentExample> HeldOut) HeldOutFifth() => HoldOut(0.2f, seed: 2026);

    private static IReadOnlyList<SentimentExample> ValidExamples(IReadOnlyList<SentimentExample> examples, string paramName, bool allowEmpty)
    {
        if (examples is null)
            throw new ArgumentNullException(paramName);
        if (!allowEmpty && examples.Count == 0)
            throw new ArgumentException("At least one example is needed.", paramName);
        if (examples.Any(e => e is null))
            throw new ArgumentException("An example is null.", paramName);
        return examples;
    }
}

/// <summary>
/// Text for a character language model. <see cref="LineMode"/> true: each non-empty line is one sample
/// (framed by begin/end markers); false: the whole text is one continuous sequence.
/// </summary>
public sealed record TextCorpus(string Text, bool LineMode) : TrainingData
{
    public string Text { get; init; } = !string.IsNullOrWhiteSpace(Text)
        ? Text
        : throw new ArgumentException("The text must not be empty.", nameof(Text));
}
