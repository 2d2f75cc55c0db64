using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Registry;

namespace RnnService.Api.Data.Configurations;

public sealed class ModelAliasConfiguration : IEntityTypeConfiguration<ModelAlias>
{
    public void Configure(EntityTypeBuilder<ModelAlias> alias)
    {
        alias.HasKey(a => new { a.Name, a.Alias });
        alias.Property(a => a.Name).HasMaxLength(200);
        alias.Property(a => a.Alias).HasMaxLength(64);
        // Restrict: the database itself refuses to delete a version an alias points at.
        alias.HasOne<Model>().WithMany().HasForeignKey(a => a.ModelId).OnDelete(DeleteBehavior.Restrict);
        alias.HasIndex(a => a.ModelId);
    }
}
