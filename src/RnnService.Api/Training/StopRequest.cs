namespace RnnService.Api.Training;

/// <summary>What a user asked of a running job, as its replica reads it from the database.</summary>
public enum StopRequest { None, Cancel, Pause }
