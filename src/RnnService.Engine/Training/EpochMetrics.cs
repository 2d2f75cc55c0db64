namespace RnnService.Engine.Training;

/// <summary>
/// One finished epoch. Accuracies are for sentiment models (null for char models); Perplexity is
/// exp(validation loss), or exp(train loss) without validation, for char models (null for sentiment).
/// </summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double? TrainAccuracy,
    double? ValidationLoss, double? ValidationAccuracy, double? Perplexity, double Seconds);
