namespace RnnService.Api.Monitoring;

/// <summary>Why a training job failed, as the rnnservice.training.failures counter labels it.</summary>
public enum TrainingFailure { Diverged, TimeLimit, Error }
