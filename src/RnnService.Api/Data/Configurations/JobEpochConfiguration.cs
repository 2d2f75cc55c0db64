using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Jobs;

namespace RnnService.Api.Data.Configurations;

public sealed class JobEpochConfiguration : IEntityTypeConfiguration<JobEpoch>
{
    public void Configure(EntityTypeBuilder<JobEpoch> metric) => metric.HasKey(m => new { m.JobId, m.Epoch });
}
