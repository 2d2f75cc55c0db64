using Microsoft.AspNetCore.OpenApi;

namespace RnnService.Api.Webhooks;

/// <summary>Registers webhooks: options, the secret keeper, the sender, the store, the metrics, the dispatcher on every
/// replica, and the event bodies in the OpenAPI document.</summary>
public static class WebhookSetup
{
    public static IServiceCollection AddRnnWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhooksOptions>().Bind(configuration.GetSection(WebhooksOptions.Section));
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookMetrics>();
        services.AddHostedService<WebhookDispatcher>();
        services.Configure<OpenApiOptions>("v1", options => options.AddDocumentTransformer(WebhooksOpenApi.DescribeAsync));
        return services;
    }
}
