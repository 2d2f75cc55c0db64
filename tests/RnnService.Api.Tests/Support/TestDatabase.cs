using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RnnService.Api.Data;

namespace RnnService.Api.Tests;

/// <summary>Where a test service keeps its data. These test files compile twice: into RnnService.Api.Tests
/// (SQLite, the default provider) and into RnnService.Api.PostgresTests (POSTGRES defined), so every API
/// test runs against both providers. A test's temp folder names its database in either case.</summary>
public static class TestDatabase
{
#if POSTGRES
    public const DatabaseProvider Provider = DatabaseProvider.Postgres;
    private const string Template = "rnn_template";
    private static readonly Lazy<string> MigratedTemplate = new(MigrateTemplate);
    private static readonly HashSet<string> Created = [];

    public static string ConnectionString(string folder) =>
        Create("rnn_" + Path.GetFileName(folder).Replace('-', '_').ToLowerInvariant());

    /// <summary>A database (once per name) copied from a template that holds every migration, so a test's service
    /// starts with nothing left to migrate; returns its connection string.</summary>
    public static string Create(string database)
    {
        var cluster = PostgresCluster.Shared;
        lock (Created)
        {
            if (Created.Add(database))
            {
                using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
                connection.Open();
                using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\" TEMPLATE \"{MigratedTemplate.Value}\"", connection);
                command.ExecuteNonQuery();
            }
        }
        return cluster.ConnectionString(database);
    }

    private static string MigrateTemplate()
    {
        var connectionString = PostgresCluster.Shared.ConnectionString(Template);
        using (var db = new PostgresRnnDbContext(new DbContextOptionsBuilder<PostgresRnnDbContext>().UseNpgsql(connectionString).Options))
            db.Database.Migrate();
        NpgsqlConnection.ClearAllPools(); // a template must have no open connections
        return Template;
    }

    public static RnnDbContext Open(string folder) =>
        new PostgresRnnDbContext(new DbContextOptionsBuilder<PostgresRnnDbContext>().UseNpgsql(ConnectionString(folder)).Options);

    public static void ReleaseConnections() => NpgsqlConnection.ClearAllPools();
#else
    public const DatabaseProvider Provider = DatabaseProvider.Sqlite;

    public static string ConnectionString(string folder) => $"Data Source={Path.Combine(folder, "rnnservice.db")}";

    public static RnnDbContext Open(string folder) =>
        new SqliteRnnDbContext(new DbContextOptionsBuilder<SqliteRnnDbContext>().UseSqlite(ConnectionString(folder)).Options);

    public static void ReleaseConnections() => SqliteConnection.ClearAllPools();
#endif

    /// <summary>Removes the folder (the SQLite file with it; a PostgreSQL test database goes with the cluster).</summary>
    public static void Delete(string folder)
    {
        ReleaseConnections();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
