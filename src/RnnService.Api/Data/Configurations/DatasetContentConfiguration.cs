using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Datasets;

namespace RnnService.Api.Data.Configurations;

public sealed class DatasetContentConfiguration : IEntityTypeConfiguration<DatasetContent>
{
    public void Configure(EntityTypeBuilder<DatasetContent> content)
    {
        content.HasKey(c => c.Name);
        content.Property(c => c.Name).HasMaxLength(64);
        content.HasOne<Dataset>().WithOne().HasForeignKey<DatasetContent>(c => c.Name).OnDelete(DeleteBehavior.Cascade);
    }
}
