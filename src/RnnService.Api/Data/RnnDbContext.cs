using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using RnnService.Api.Datasets;
using RnnService.Api.Jobs;
using RnnService.Api.Models;
using RnnService.Api.Training;

namespace RnnService.Api.Data;

public sealed class RnnDbContext(DbContextOptions<RnnDbContext> options) : DbContext(options)
{
    public DbSet<TrainingJob> TrainingJobs => Set<TrainingJob>();
    public DbSet<EpochMetric> EpochMetrics => Set<EpochMetric>();
    public DbSet<Model> Models => Set<Model>();
    public DbSet<Dataset> Datasets => Set<Dataset>();
    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RnnDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite keeps DateTime as sortable text without a zone; every time here is UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
