using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Data.Configurations;

public sealed class WebhookKeyConfiguration : IEntityTypeConfiguration<WebhookKey>
{
    public void Configure(EntityTypeBuilder<WebhookKey> key)
    {
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).ValueGeneratedNever();
    }
}
