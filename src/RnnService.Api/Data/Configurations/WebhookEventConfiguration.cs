using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Data.Configurations;

public sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> webhookEvent)
    {
        webhookEvent.HasKey(e => e.Id);
        webhookEvent.Property(e => e.Type).HasMaxLength(32);
        webhookEvent.HasMany<WebhookDelivery>().WithOne().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}
