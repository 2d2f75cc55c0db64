using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;

namespace RnnService.Api.Data.Configurations;

public sealed class ModelConfiguration : IEntityTypeConfiguration<Model>
{
    public void Configure(EntityTypeBuilder<Model> model)
    {
        model.HasKey(m => m.Id);
        // One model per job: a re-run of a job (after a crash, or by a worker that lost its lease) can never store two.
        model.HasIndex(m => m.JobId).IsUnique();
        model.HasOne<TrainingJob>().WithMany().HasForeignKey(m => m.JobId).OnDelete(DeleteBehavior.Restrict);
        model.Property(m => m.Task).HasConversion<string>().HasMaxLength(16);
        model.Property(m => m.Architecture).HasConversion<string>().HasMaxLength(16);
        model.Property(m => m.Name).HasMaxLength(200);
        model.Property(m => m.Dataset).HasMaxLength(64);
        model.HasIndex(m => m.CreatedAt);
        // Two replicas storing models of one name at once cannot both make the same version.
        model.HasIndex(m => new { m.Name, m.Version }).IsUnique();
    }
}
