using RnnService.Engine.Training;

namespace RnnService.Api.Jobs;

/// <summary>One row per finished epoch, written as the epoch ends.</summary>
public sealed class EpochMetric
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

    public static EpochMetric From(Guid jobId, EpochMetrics m, DateTime now) => new()
    {
        JobId = jobId,
        Epoch = m.Epoch,
        TrainLoss = m.TrainLoss,
        TrainAccuracy = Finite(m.TrainAccuracy),
        ValidationLoss = Finite(m.ValidationLoss),
        ValidationAccuracy = Finite(m.ValidationAccuracy),
        Perplexity = Finite(m.Perplexity),
        Seconds = m.Seconds,
        RecordedAt = now,
    };

    // JSON and SQLite have no NaN/Infinity: a non-finite optional metric is stored as null.
    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;

    public EpochMetricResponse AsResponse() =>
        new(Epoch, TrainLoss, TrainAccuracy, ValidationLoss, ValidationAccuracy, Perplexity, Seconds);
}

/// <summary>An epoch's metrics. Accuracies are null for char models, perplexity null for sentiment,
/// validation values null without a validation split.</summary>
public sealed record EpochMetricResponse(int Epoch, double TrainLoss, double? TrainAccuracy,
    double? ValidationLoss, double? ValidationAccuracy, double? Perplexity, double Seconds);
