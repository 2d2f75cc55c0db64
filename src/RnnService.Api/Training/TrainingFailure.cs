namespace RnnService.Api.Training;

/// <summary>Why a training job failed (a job outcome), as the rnnservice.training.failures counter labels it.</summary>
public enum TrainingFailure { Diverged, TimeLimit, StorageLimit, Error }
