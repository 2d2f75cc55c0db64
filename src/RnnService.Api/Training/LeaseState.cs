namespace RnnService.Api.Training;

/// <summary>What a heartbeat found: the lease is still ours (perhaps with a cancel pending), or another replica has the job now.</summary>
public enum LeaseState { Held, CancelRequested, Lost }
