namespace RnnService.Api.Training;

/// <summary>The answer to a pause request: done at once (queued job), recorded for the running replica, already
/// paused, not pausable (finished, or being cancelled), or no such job.</summary>
public enum PauseOutcome { Paused, Requested, AlreadyPaused, NotPausable, NotFound }
