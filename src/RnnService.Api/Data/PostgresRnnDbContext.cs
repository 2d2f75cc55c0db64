using Microsoft.EntityFrameworkCore;

namespace RnnService.Api.Data;

/// <summary>PostgreSQL, shared by many replicas; its migrations are in Migrations/Postgres.</summary>
public sealed class PostgresRnnDbContext(DbContextOptions<PostgresRnnDbContext> options) : RnnDbContext(options);
