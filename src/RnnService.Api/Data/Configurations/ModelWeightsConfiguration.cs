using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Registry;

namespace RnnService.Api.Data.Configurations;

public sealed class ModelWeightsConfiguration : IEntityTypeConfiguration<ModelWeights>
{
    public void Configure(EntityTypeBuilder<ModelWeights> weights)
    {
        weights.HasKey(w => w.ModelId);
        weights.HasOne<Model>().WithOne().HasForeignKey<ModelWeights>(w => w.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
