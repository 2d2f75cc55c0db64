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

    public static string ConnectionString(string folder) =>
        PostgresCluster.Shared.ConnectionString("rnn_" + Path.GetFileName(folder).Replace('-', '_').ToLowerInvariant());

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
