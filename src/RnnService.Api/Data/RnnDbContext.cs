using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using RnnService.Api.Datasets;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Sweeps;
using RnnService.Api.Training;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Data;

/// <summary>The service's tables. One model configuration serves both providers; each provider has its own
/// derived context only so that its migrations live apart (<see cref="SqliteRnnDbContext"/>,
/// <see cref="PostgresRnnDbContext"/>), as EF Core's "Migrations with Multiple Providers" describes.</summary>
public abstract class RnnDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<TrainingJob> TrainingJobs => Set<TrainingJob>();
    public DbSet<JobEpoch> EpochMetrics => Set<JobEpoch>();
    public DbSet<Model> Models => Set<Model>();
    public DbSet<ModelWeights> ModelWeights => Set<ModelWeights>();
    public DbSet<ModelAlias> ModelAliases => Set<ModelAlias>();
    public DbSet<ModelAliasChange> ModelAliasChanges => Set<ModelAliasChange>();
    public DbSet<Dataset> Datasets => Set<Dataset>();
    public DbSet<DatasetContent> DatasetContents => Set<DatasetContent>();
    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();
    public DbSet<Sweep> Sweeps => Set<Sweep>();
    public DbSet<SweepTrial> SweepTrials => Set<SweepTrial>();
    public DbSet<Webhook> Webhooks => Set<Webhook>();
    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();
    public DbSet<WebhookKey> WebhookKeys => Set<WebhookKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RnnDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every time here is UTC: SQLite keeps it as sortable text without a zone, PostgreSQL as timestamptz
        // (which Npgsql only accepts from DateTimeKind.Utc values).
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
