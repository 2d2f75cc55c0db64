namespace RnnService.Api.Data;

/// <summary>Which database holds jobs, models and datasets (configuration key Database:Provider).</summary>
public enum DatabaseProvider
{
    /// <summary>One file next to one process: nothing to set up.</summary>
    Sqlite,
    /// <summary>One server shared by any number of replicas.</summary>
    Postgres,
}
