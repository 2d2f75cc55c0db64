namespace RnnService.Api.Training;

/// <summary>A claim on a running job: the lease id is unique per claim, so even the replica that made an
/// earlier claim on the same job cannot write for it once the lease has passed on.</summary>
public sealed record JobLease(Guid JobId, string LeaseId);
