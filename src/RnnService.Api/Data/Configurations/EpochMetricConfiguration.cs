using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Jobs;

namespace RnnService.Api.Data.Configurations;

public sealed class EpochMetricConfiguration : IEntityTypeConfiguration<EpochMetric>
{
    public void Configure(EntityTypeBuilder<EpochMetric> metric) => metric.HasKey(m => new { m.JobId, m.Epoch });
}
