using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Sweeps;

namespace RnnService.Api.Data.Configurations;

public sealed class SweepTrialConfiguration : IEntityTypeConfiguration<SweepTrial>
{
    public void Configure(EntityTypeBuilder<SweepTrial> trial)
    {
        // (sweep, index) is the key: a trial index is used once, so two decisions can never start the same trial twice.
        trial.HasKey(t => new { t.SweepId, t.Index });
        trial.Property(t => t.Architecture).HasConversion<string>().HasMaxLength(16);
        trial.HasIndex(t => t.JobId).IsUnique();
    }
}
