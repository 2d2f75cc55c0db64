using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace RnnService.Api.Data;

/// <summary>Lets `dotnet ef migrations add ... --context SqliteRnnDbContext --output-dir Data/Migrations/Sqlite`
/// build the context without starting the web host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteRnnDbContext>
{
    public SqliteRnnDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteRnnDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>The same for `--context PostgresRnnDbContext --output-dir Data/Migrations/Postgres` (it never connects).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresRnnDbContext>
{
    public PostgresRnnDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresRnnDbContext>().UseNpgsql("Host=localhost;Database=rnnservice").Options);
}
