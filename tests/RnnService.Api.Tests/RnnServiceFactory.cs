using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace RnnService.Api.Tests;

/// <summary>A service over its own SQLite file in a temp folder. Pass the folder of another factory to
/// start a second host on the same database (restart tests).</summary>
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
    public string DatabasePath => Path.Combine(Folder, "rnnservice.db");
    public string ConnectionString => $"Data Source={DatabasePath}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:RnnService", ConnectionString);
        builder.UseSetting("Worker:PollInterval", "00:00:00.100");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsFolder)
        {
            try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        }
    }
}
