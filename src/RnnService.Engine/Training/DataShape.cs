namespace RnnService.Engine.Training;

/// <summary>
/// What the defaults need to know about a dataset, known without parsing it again: Samples is the number of
/// labelled texts (sentiment), of lines (a line corpus) or of characters (a continuous text).
/// </summary>
public sealed record DataShape(int Samples, bool Continuous)
{
    public int Samples { get; init; } = Samples >= 0 ? Samples : throw new ArgumentOutOfRangeException(nameof(Samples));

    public static DataShape Of(TrainingData data) => data switch
    {
        SentimentData s => new(s.Train.Count + (s.Test?.Count ?? 0), Continuous: false),
        TextCorpus { LineMode: true } c => new(Tokenizers.CharTokenizer.CountLines(c.Text), Continuous: false),
        TextCorpus c => new(c.Text.Length, Continuous: true),
        _ => throw new ArgumentException($"Unknown data {data.GetType().Name}.", nameof(data)),
    };
}
