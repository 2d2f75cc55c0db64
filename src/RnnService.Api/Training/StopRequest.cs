namespace RnnService.Api.Training;

/// <summary>Why a running job must stop, as its replica reads it with each lease renewal: nothing, a cancel or a pause a
/// user recorded (on any replica; cancel wins over pause), or the lease passed to another replica.</summary>
public enum StopRequest { None, Cancel, Pause, LeaseLost }
