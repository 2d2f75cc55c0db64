using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Registry;

namespace RnnService.Api.Data.Configurations;

public sealed class ModelAliasChangeConfiguration : IEntityTypeConfiguration<ModelAliasChange>
{
    public void Configure(EntityTypeBuilder<ModelAliasChange> change)
    {
        change.HasKey(c => c.Id);
        change.Property(c => c.Name).HasMaxLength(200);
        change.Property(c => c.Alias).HasMaxLength(64);
        // No foreign key on ModelId: the history outlives a deleted version.
        change.HasIndex(c => new { c.Name, c.Id });
    }
}
