using RnnService.Api.Jobs;

namespace RnnService.Api.Training;

/// <summary>A job this replica has just claimed, as it was when claimed.</summary>
public sealed record ClaimedJob(TrainingJob Job, JobLease Lease);
