using Microsoft.EntityFrameworkCore;

namespace RnnService.Api.Data;

/// <summary>The default, embedded database; its migrations are in Migrations/Sqlite.</summary>
public sealed class SqliteRnnDbContext(DbContextOptions<SqliteRnnDbContext> options) : RnnDbContext(options);
