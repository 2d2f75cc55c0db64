using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Engine.Models;

namespace RnnService.Api.Tests;

/// <summary>A service over its own database: a SQLite file in a temp folder, or (in the PostgreSQL build of these
/// tests) a database named after that folder in the throw-away <see cref="PostgresCluster"/>. Pass the folder of
/// another factory to start a second host on the same database (restart tests).</summary>
public sealed class RnnServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsFolder;

    public RnnServiceFactory(Dictionary<string, string?>? settings = null, string? folder = null)
    {
        _settings = settings ?? [];
        _ownsFolder = folder is null;
        Folder = folder ?? Directory.CreateTempSubdirectory("rnnservice-test-").FullName;
    }

    public string Folder { get; }
    public static DatabaseProvider Provider => TestDatabase.Provider;
    public string ConnectionString => TestDatabase.ConnectionString(Folder);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:Provider", Provider.ToString());
        builder.UseSetting("ConnectionStrings:RnnService", ConnectionString);
        builder.UseSetting("Worker:PollInterval", "00:00:00.100");
        builder.UseSetting("Worker:CheckpointInterval", "00:00:00");
        // Hundreds of hosts start here, and a warm-up would delay each one's /health; WorkerWarmUpTests turns it on.
        builder.UseSetting("Worker:WarmUp", "false");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    /// <summary>A context on this service's database, for looking behind the API.</summary>
    public RnnDbContext OpenDatabase() => TestDatabase.Open(Folder);

    /// <summary>Replaces a stored model's weights; call it before any request loads the model (the cache reads them once).</summary>
    public async Task RewriteStoredModelAsync(Guid modelId, Func<RnnModel, byte[]> rewrite)
    {
        await using var db = OpenDatabase();
        var weights = db.ModelWeights.Single(w => w.ModelId == modelId);
        weights.Bytes = rewrite(RnnModel.FromSafetensors(weights.Bytes));
        await db.SaveChangesAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TestDatabase.ReleaseConnections();
        if (_ownsFolder) TestDatabase.Delete(Folder);
    }
}
