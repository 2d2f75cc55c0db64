namespace RnnService.Api.Training;

/// <summary>This replica as operators see it: host name and process id. Leases carry it (plus a per-claim
/// suffix) and GET /jobs/{id} shows it as the job's worker.</summary>
public sealed class WorkerIdentity
{
    public string Name { get; } =
        $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}/{Environment.ProcessId}";
}
