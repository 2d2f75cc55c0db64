using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RnnService.Api.Webhooks;

/// <summary>The requests this service sends, as OpenAPI 3.1 "webhooks": one per event type, with its headers and body.</summary>
public static class WebhooksOpenApi
{
    private static readonly (string Name, string Description)[] Headers =
    [
        ("webhook-id", "The event's id (msg_...): the same on every retry and redelivery, so duplicates can be dropped."),
        ("webhook-timestamp", "When this attempt was sent, in seconds since 1970-01-01 UTC."),
        ("webhook-signature", "\"v1,\" and the base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\" keyed with the base64 " +
            "after \"whsec_\" in the webhook's secret (Standard Webhooks)."),
    ];

    public static async Task DescribeAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
            if (tag.Name == "Webhooks")
                tag.Description = "Subscribe URLs to job, model and alias events; every attempt is listed and can be redelivered.";
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var (type, meaning, dataType) in WebhookEventTypes.All)
        {
            if (!document.Components.Schemas.ContainsKey(dataType.Name))
                document.Components.Schemas[dataType.Name] = await context.GetOrCreateSchemaAsync(dataType, null, ct);
            var body = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "type", "timestamp", "data" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(type)!] },
                    ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "When the event happened." },
                    ["data"] = new OpenApiSchemaReference(dataType.Name, document),
                },
            };
            document.Webhooks[type] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        OperationId = "webhook_" + type.Replace('.', '_'),
                        Summary = meaning,
                        Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
                        Parameters = Headers.Select(h => (IOpenApiParameter)new OpenApiParameter
                        {
                            Name = h.Name, In = ParameterLocation.Header, Required = true, Description = h.Description,
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        }).ToList(),
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = body } },
                        },
                        Responses = new OpenApiResponses
                        {
                            ["2XX"] = new OpenApiResponse { Description = "Received; any 2xx ends the delivery." },
                            ["4XX"] = new OpenApiResponse { Description = "Anything but a 2xx (redirects included) is retried with backoff." },
                        },
                    },
                },
            };
        }
    }
}
