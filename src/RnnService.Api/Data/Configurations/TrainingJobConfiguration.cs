using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Jobs;

namespace RnnService.Api.Data.Configurations;

public sealed class TrainingJobConfiguration : IEntityTypeConfiguration<TrainingJob>
{
    public void Configure(EntityTypeBuilder<TrainingJob> job)
    {
        job.HasKey(j => j.Id);
        job.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        job.Property(j => j.Task).HasConversion<string>().HasMaxLength(16);
        job.Property(j => j.Architecture).HasConversion<string>().HasMaxLength(16);
        job.Property(j => j.Name).HasMaxLength(200);
        job.Property(j => j.Dataset).HasMaxLength(64);
        job.Property(j => j.IdempotencyKey).HasMaxLength(200);
        job.Property(j => j.LeaseOwner).HasMaxLength(100);
        job.Property(j => j.Worker).HasMaxLength(100);
        job.Property(j => j.RequestHash).HasMaxLength(64);
        job.HasIndex(j => j.IdempotencyKey).IsUnique();
        job.HasIndex(j => new { j.Status, j.CreatedAt });
        job.Ignore(j => j.IsFinished);
        job.HasMany<JobEpoch>().WithOne().HasForeignKey(m => m.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
