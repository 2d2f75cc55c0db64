using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Data.Configurations;

public sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> attempt)
    {
        attempt.HasKey(a => a.Id);
        attempt.Property(a => a.Error).HasMaxLength(1000);
        attempt.Property(a => a.ResponseExcerpt).HasMaxLength(WebhookSender.ExcerptLength);
        attempt.Property(a => a.Sender).HasMaxLength(100);
        attempt.HasIndex(a => new { a.DeliveryId, a.Id });
    }
}
