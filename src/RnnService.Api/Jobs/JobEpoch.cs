using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>One finished epoch of a job, a row of the EpochMetrics table written as the epoch ends (the engine's record of
/// an epoch is <see cref="EpochMetrics"/>).</summary>
public sealed class JobEpoch
{
    public Guid JobId { get; set; }
    public int Epoch { get; set; }
    public double TrainLoss { get; set; }
    public double? TrainAccuracy { get; set; }
    public double? ValidationLoss { get; set; }
    public double? ValidationAccuracy { get; set; }
    public double? Perplexity { get; set; }
    public double Seconds { get; set; }
    public DateTime RecordedAt { get; set; }

    public static JobEpoch From(Guid jobId, EpochMetrics engine, DateTime now)
    {
        var m = EpochMetricResponse.From(engine);
        return new()
        {
            JobId = jobId, Epoch = m.Epoch, TrainLoss = m.TrainLoss, TrainAccuracy = m.TrainAccuracy, ValidationLoss = m.ValidationLoss,
            ValidationAccuracy = m.ValidationAccuracy, Perplexity = m.Perplexity, Seconds = m.Seconds, RecordedAt = now,
        };
    }

    public EpochMetricResponse AsResponse() =>
        new(Epoch, TrainLoss, TrainAccuracy, ValidationLoss, ValidationAccuracy, Perplexity, Seconds);
}

/// <summary>An epoch's metrics. Accuracies are null for char models, perplexity null for sentiment,
/// validation values null without a validation split.</summary>
public sealed record EpochMetricResponse(int Epoch, double TrainLoss, double? TrainAccuracy,
    double? ValidationLoss, double? ValidationAccuracy, double? Perplexity, double Seconds)
{
    /// <summary>The engine's record as the API shows it (and stores it: an epoch's row, a model's final metrics).</summary>
    public static EpochMetricResponse From(EpochMetrics m) =>
        new(m.Epoch, m.TrainLoss, Finite(m.TrainAccuracy), Finite(m.ValidationLoss), Finite(m.ValidationAccuracy), Finite(m.Perplexity), m.Seconds);

    // JSON and SQLite have no NaN/Infinity: a non-finite optional metric is null.
    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
}
