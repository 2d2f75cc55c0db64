using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Data.Configurations;

public sealed class WebhookConfiguration : IEntityTypeConfiguration<Webhook>
{
    public void Configure(EntityTypeBuilder<Webhook> webhook)
    {
        webhook.HasKey(w => w.Id);
        webhook.Property(w => w.Url).HasMaxLength(WebhookRules.MaxUrlLength);
        webhook.Property(w => w.Events).HasMaxLength(500);
        webhook.Property(w => w.Description).HasMaxLength(WebhookRules.MaxDescriptionLength);
        webhook.Property(w => w.DisabledReason).HasMaxLength(1000);
        webhook.Ignore(w => w.EventList);
        webhook.HasMany<WebhookDelivery>().WithOne().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
    }
}
