using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Jobs;
using RnnService.Api.Sweeps;

namespace RnnService.Api.Data.Configurations;

public sealed class SweepConfiguration : IEntityTypeConfiguration<Sweep>
{
    public void Configure(EntityTypeBuilder<Sweep> sweep)
    {
        sweep.HasKey(s => s.Id);
        sweep.Property(s => s.Name).HasMaxLength(200);
        sweep.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        sweep.Property(s => s.Task).HasConversion<string>().HasMaxLength(16);
        sweep.Property(s => s.Architecture).HasConversion<string>().HasMaxLength(16);
        sweep.Property(s => s.Dataset).HasMaxLength(64);
        sweep.Property(s => s.Strategy).HasConversion<string>().HasMaxLength(16);
        sweep.Property(s => s.Objective).HasConversion<string>().HasMaxLength(16);
        sweep.Property(s => s.Scheduler).HasConversion<string>().HasMaxLength(16);
        sweep.Property(s => s.Alias).HasMaxLength(100);
        sweep.Property(s => s.IdempotencyKey).HasMaxLength(200);
        sweep.Property(s => s.RequestHash).HasMaxLength(64);
        sweep.HasIndex(s => s.IdempotencyKey).IsUnique();
        sweep.HasIndex(s => s.CreatedAt);
        sweep.Ignore(s => s.IsFinished);
        sweep.Ignore(s => s.Minimize);
        sweep.HasMany<SweepTrial>().WithOne().HasForeignKey(t => t.SweepId).OnDelete(DeleteBehavior.Cascade);
        // Deleting a sweep keeps its trials' jobs (and the registered model); they just no longer belong to a sweep.
        sweep.HasMany<TrainingJob>().WithOne().HasForeignKey(j => j.SweepId).OnDelete(DeleteBehavior.SetNull);
    }
}
