namespace RnnService.Api.Training;

/// <summary>The answer to a cancel request: done at once (queued job), recorded for the running replica, or nothing to do.</summary>
public enum CancelOutcome { Cancelled, Requested, AlreadyFinished, NotFound }
