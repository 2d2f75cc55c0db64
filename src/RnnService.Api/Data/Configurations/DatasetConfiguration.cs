using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Datasets;

namespace RnnService.Api.Data.Configurations;

public sealed class DatasetConfiguration : IEntityTypeConfiguration<Dataset>
{
    public void Configure(EntityTypeBuilder<Dataset> dataset)
    {
        dataset.HasKey(d => d.Name);
        dataset.Property(d => d.Name).HasMaxLength(64);
        dataset.Property(d => d.Task).HasConversion<string>().HasMaxLength(16);
        dataset.Property(d => d.Format).HasConversion<string>().HasMaxLength(8);
    }
}
