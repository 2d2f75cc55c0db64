using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Jobs;
using RnnService.Api.Training;

namespace RnnService.Api.Data.Configurations;

public sealed class CheckpointConfiguration : IEntityTypeConfiguration<Checkpoint>
{
    public void Configure(EntityTypeBuilder<Checkpoint> checkpoint)
    {
        checkpoint.HasKey(c => c.JobId);
        checkpoint.HasOne<TrainingJob>().WithOne().HasForeignKey<Checkpoint>(c => c.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
